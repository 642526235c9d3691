package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// apiClient talks to a running server's HTTP API: the server is --url or
// $BASALT_URL, the caller's key --api-key or $BASALT_API_KEY. Every
// command that works against a running server (keys, sql, load) shares it.
type apiClient struct {
	url    string
	apiKey string
	http   *http.Client
}

// addFlags declares --url and --api-key on fs.
func (cl *apiClient) addFlags(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&cl.url, "url", "http://127.0.0.1:3030", "the server's HTTP API (default $BASALT_URL, else this)")
	// The key's default is read from the environment at run time, never
	// shown as a flag default in --help.
	fs.StringVar(&cl.apiKey, "api-key", "", "the caller's API key (default $BASALT_API_KEY)")
}

// resolve fills what the flags left unset from the environment.
func (cl *apiClient) resolve(cmd *cobra.Command) {
	if f := cmd.Flags().Lookup("url"); f == nil || !f.Changed {
		if v := os.Getenv("BASALT_URL"); v != "" {
			cl.url = v
		}
	}
	if cl.apiKey == "" {
		cl.apiKey = os.Getenv("BASALT_API_KEY")
	}
	cl.url = strings.TrimRight(cl.url, "/")
}

// apiError is a non-200 answer in Rockset's error shape.
type apiError struct {
	Method, Path string
	Status       int
	Message      string `json:"message"`
	Type         string `json:"type"`
	Line         *int   `json:"line"`
	Column       *int   `json:"column"`
	raw          []byte
	noKey        bool
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, bytes.TrimSpace(e.raw))
	}
	msg := fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Type)
	if e.Status == http.StatusUnauthorized && e.noKey {
		msg += "; give an API key with --api-key or BASALT_API_KEY"
	}
	return msg
}

// do sends a request and decodes a 200 answer into out; any other answer
// becomes an *apiError with the server's message and type.
func (cl *apiClient) do(ctx context.Context, method, path string, body, out any) ([]byte, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	return cl.doRaw(ctx, method, path, b, out)
}

// doRaw is do with a body already encoded (nil for none).
func (cl *apiClient) doRaw(ctx context.Context, method, path string, body []byte, out any) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, cl.url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if cl.apiKey != "" {
		req.Header.Set("Authorization", "ApiKey "+cl.apiKey)
	}
	hc := cl.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach the server at %s (is basalt serve running? --url or BASALT_URL): %w", cl.url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		e := &apiError{Method: method, Path: path, Status: resp.StatusCode, raw: raw, noKey: cl.apiKey == ""}
		if json.Unmarshal(raw, e) != nil {
			e.Message = ""
		}
		return nil, e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("decode the server's answer: %w", err)
		}
	}
	return bytes.TrimSpace(raw), nil
}
