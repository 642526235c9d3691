package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// keysClient talks to the API key endpoints of a running server.
type keysClient struct {
	apiClient
	user string
	json bool
}

// apiKey is the server's ApiKey answer.
type apiKey struct {
	Name           string   `json:"name"`
	Key            string   `json:"key"`
	Role           string   `json:"role"`
	Workspaces     []string `json:"workspaces"`
	CreatedAt      string   `json:"created_at"`
	CreatedBy      string   `json:"created_by"`
	ExpiryTime     *string  `json:"expiry_time"`
	LastAccessTime *string  `json:"last_access_time"`
	State          string   `json:"state"`
}

func keysCmd() *cobra.Command {
	cl := &keysClient{apiClient: apiClient{http: &http.Client{Timeout: 30 * time.Second}}}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list, suspend and revoke API keys on a running server",
		Long: `Manage the API keys of a running server (an admin key is needed when
authentication is on). The server is --url or $BASALT_URL, the caller's key
--api-key or $BASALT_API_KEY; the first admin key is $BASALT_ADMIN_KEY of
the server, or DATA_DIR/admin.key.`,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cl.resolve(cmd)
			return nil
		},
	}
	pf := cmd.PersistentFlags()
	cl.addFlags(pf)
	pf.StringVar(&cl.user, "user", "self", "whose keys: a user name, or self for the caller's")
	pf.BoolVar(&cl.json, "json", false, "print the server's JSON answer")
	cmd.AddCommand(cl.createCmd(), cl.listCmd(), cl.getCmd(),
		cl.stateCmd("suspend", "SUSPENDED", "Suspend an API key: it stops working until resumed"),
		cl.stateCmd("resume", "ACTIVE", "Resume a suspended API key"),
		cl.revokeCmd())
	return cmd
}

func (cl *keysClient) createCmd() *cobra.Command {
	var role, expires string
	var workspaces []string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an API key; the key is printed once, on stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"name": args[0], "role": role}
			if len(workspaces) > 0 {
				body["workspaces"] = workspaces
			}
			if expires != "" {
				t, err := parseExpires(expires, time.Now())
				if err != nil {
					return err
				}
				body["expiry_time"] = t.UTC().Format(time.RFC3339)
			}
			var out struct {
				Data apiKey `json:"data"`
			}
			raw, err := cl.do(cmd.Context(), "POST", "/v1/orgs/self/users/"+url.PathEscape(cl.user)+"/apikeys", body, &out)
			if err != nil {
				return err
			}
			if cl.json {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", raw)
				return err
			}
			k := out.Data
			scope := "all workspaces"
			if len(k.Workspaces) > 0 {
				scope = "workspaces " + strings.Join(k.Workspaces, ", ")
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created API key %q (role %s, %s): it is shown this once\n", k.Name, k.Role, scope)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), k.Key)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "member", "admin, member (read-write) or read-only")
	f.StringSliceVar(&workspaces, "workspace", nil, "limit the key to this workspace (repeatable; member and read-only keys)")
	f.StringVar(&expires, "expires", "", "when the key stops working: a duration (720h, 30d) or a time (2030-01-31T00:00:00Z)")
	return cmd
}

// parseExpires reads --expires: a Go duration, a number of days ("30d"),
// or an RFC 3339 time.
func parseExpires(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 {
			return now.AddDate(0, 0, days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--expires %q: want a duration (720h, 30d) or a time (2030-01-31T00:00:00Z)", s)
}

func (cl *keysClient) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API keys (without the keys themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct {
				Data []apiKey `json:"data"`
			}
			raw, err := cl.do(cmd.Context(), "GET", "/v1/orgs/self/users/"+url.PathEscape(cl.user)+"/apikeys", nil, &out)
			if err != nil {
				return err
			}
			return cl.print(cmd.OutOrStdout(), raw, out.Data)
		},
	}
}

func (cl *keysClient) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show one API key (without the key itself)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct {
				Data apiKey `json:"data"`
			}
			raw, err := cl.do(cmd.Context(), "GET", cl.keyPath(args[0]), nil, &out)
			if err != nil {
				return err
			}
			return cl.print(cmd.OutOrStdout(), raw, []apiKey{out.Data})
		},
	}
}

func (cl *keysClient) stateCmd(use, state, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct {
				Data apiKey `json:"data"`
			}
			raw, err := cl.do(cmd.Context(), "POST", cl.keyPath(args[0]), map[string]string{"state": state}, &out)
			if err != nil {
				return err
			}
			if cl.json {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", raw)
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "API key %q is %s\n", out.Data.Name, out.Data.State)
			return err
		},
	}
}

func (cl *keysClient) revokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke (delete) an API key: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct {
				Data apiKey `json:"data"`
			}
			raw, err := cl.do(cmd.Context(), "DELETE", cl.keyPath(args[0]), nil, &out)
			if err != nil {
				return err
			}
			if cl.json {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", raw)
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "revoked API key %q\n", out.Data.Name)
			return err
		},
	}
}

func (cl *keysClient) keyPath(name string) string {
	return "/v1/orgs/self/users/" + url.PathEscape(cl.user) + "/apikeys/" + url.PathEscape(name)
}

// print writes keys as a table, or the raw answer with --json.
func (cl *keysClient) print(w io.Writer, raw []byte, keys []apiKey) error {
	if cl.json {
		_, err := fmt.Fprintf(w, "%s\n", raw)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tWORKSPACES\tSTATE\tCREATED\tEXPIRES\tLAST USED\tKEY")
	or := func(s *string, def string) string {
		if s == nil {
			return def
		}
		return *s
	}
	for _, k := range keys {
		ws := strings.Join(k.Workspaces, ",")
		if ws == "" {
			ws = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t…%s\n", k.Name, k.Role, ws, k.State, k.CreatedAt, or(k.ExpiryTime, "never"), or(k.LastAccessTime, "-"), k.Key)
	}
	return tw.Flush()
}
