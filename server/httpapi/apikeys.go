package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/basaltdb/basalt/auth"
)

// apiKeyJSON is Rockset's ApiKey, plus the workspaces a key is limited to.
// key is the whole key only in the answer that creates it; elsewhere it is
// the key's last 6 characters, which tell keys apart.
type apiKeyJSON struct {
	Name                string   `json:"name"`
	Key                 string   `json:"key"`
	Role                string   `json:"role"`
	Workspaces          []string `json:"workspaces,omitempty"`
	CreatedAt           string   `json:"created_at"`
	CreatedBy           string   `json:"created_by"`
	CreatedByAPIKeyName string   `json:"created_by_apikey_name,omitempty"`
	ExpiryTime          *string  `json:"expiry_time"`
	LastAccessTime      *string  `json:"last_access_time"`
	State               string   `json:"state"`
}

func apiKeyOut(k auth.Key, secret string) apiKeyJSON {
	out := apiKeyJSON{
		Name: k.Name, Key: k.Hint, Role: string(k.Role), Workspaces: k.Workspaces,
		CreatedAt: isoTime(k.CreatedAt), CreatedBy: k.User, CreatedByAPIKeyName: k.CreatedBy, State: string(k.State),
	}
	if secret != "" {
		out.Key = secret
	}
	if !k.ExpiresAt.IsZero() {
		s := isoTime(k.ExpiresAt)
		out.ExpiryTime = &s
	}
	if !k.LastUsed.IsZero() {
		s := isoTime(k.LastUsed)
		out.LastAccessTime = &s
	}
	return out
}

// keys returns the key store, or writes NOTIMPLEMENTEDYET when the API was
// built without one.
func (a *API) keys(w http.ResponseWriter) *auth.Store {
	if a.cfg.Keys == nil {
		writeError(w, apiError(ErrNotImplemented, "this server has no API key store"))
	}
	return a.cfg.Keys
}

// keyUser resolves the {user} of a key path: "self" is the caller.
func keyUser(r *http.Request) string {
	u := r.PathValue("user")
	if u == "self" {
		return principalOf(r).User
	}
	return u
}

// parseExpiry reads Rockset's expiry_time: ISO-8601 with a zone, or
// without one (UTC), or a date.
func parseExpiry(s string) (time.Time, *APIError) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, apiError(ErrInvalidInput, "expiry_time "+s+" is not an ISO-8601 time such as 2030-01-31T00:00:00Z")
}

// createAPIKey is Rockset's Create API Key: {"data": ApiKey} with the key,
// shown this once. A key without a role gets the caller's.
func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request) {
	store := a.keys(w)
	if store == nil {
		return
	}
	var req struct {
		Name       *string  `json:"name"`
		Role       string   `json:"role"`
		Workspaces []string `json:"workspaces"`
		ExpiryTime string   `json:"expiry_time"`
	}
	if err := a.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Name == nil {
		writeError(w, apiError(ErrInvalidInput, "field name is required"))
		return
	}
	caller := principalOf(r)
	spec := auth.KeySpec{Name: *req.Name, User: keyUser(r), Role: caller.Role, Workspaces: req.Workspaces, CreatedBy: caller.KeyName}
	if req.Role != "" {
		role, err := auth.ParseRole(req.Role)
		if err != nil {
			writeError(w, classify(err))
			return
		}
		spec.Role = role
	}
	if req.ExpiryTime != "" {
		t, aerr := parseExpiry(req.ExpiryTime)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		spec.ExpiresAt = t
	}
	k, secret, err := store.Create(spec)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.log.Info("API key created", "name", k.Name, "user", k.User, "role", k.Role, "workspaces", strings.Join(k.Workspaces, ","), "by", caller.KeyName)
	writeJSON(w, http.StatusOK, map[string]any{"data": apiKeyOut(k, secret)})
}

// listAPIKeys is Rockset's List API Keys, without the keys.
func (a *API) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	store := a.keys(w)
	if store == nil {
		return
	}
	list := store.List(keyUser(r))
	out := make([]apiKeyJSON, len(list))
	for i, k := range list {
		out[i] = apiKeyOut(k, "")
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// getAPIKey is Rockset's Retrieve API Key, without the key.
func (a *API) getAPIKey(w http.ResponseWriter, r *http.Request) {
	store := a.keys(w)
	if store == nil {
		return
	}
	k, err := store.Get(keyUser(r), r.PathValue("name"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": apiKeyOut(k, "")})
}

// updateAPIKey is Rockset's Update API Key: {"state": "ACTIVE|SUSPENDED"},
// "expiry_time", "clear_expiry_time".
func (a *API) updateAPIKey(w http.ResponseWriter, r *http.Request) {
	store := a.keys(w)
	if store == nil {
		return
	}
	var req struct {
		State           string `json:"state"`
		ExpiryTime      string `json:"expiry_time"`
		ClearExpiryTime bool   `json:"clear_expiry_time"`
	}
	if err := a.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	var u auth.Update
	if req.State != "" {
		st, err := auth.ParseState(req.State)
		if err != nil {
			writeError(w, classify(err))
			return
		}
		u.State = st
	}
	if req.ExpiryTime != "" {
		t, aerr := parseExpiry(req.ExpiryTime)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		u.ExpiresAt = t
	}
	u.ClearExpiry = req.ClearExpiryTime
	k, err := store.Update(keyUser(r), r.PathValue("name"), u)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.log.Info("API key updated", "name", k.Name, "user", k.User, "state", k.State, "by", principalOf(r).KeyName)
	writeJSON(w, http.StatusOK, map[string]any{"data": apiKeyOut(k, "")})
}

// deleteAPIKey is Rockset's Delete API Key: the key stops working at once.
func (a *API) deleteAPIKey(w http.ResponseWriter, r *http.Request) {
	store := a.keys(w)
	if store == nil {
		return
	}
	k, err := store.Revoke(keyUser(r), r.PathValue("name"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.log.Info("API key revoked", "name", k.Name, "user", k.User, "by", principalOf(r).KeyName)
	writeJSON(w, http.StatusOK, map[string]any{"data": apiKeyOut(k, "")})
}

func (a *API) apiKeyRoutes() {
	a.handle("/v1/orgs/self/users/{user}/apikeys", methods{"GET": a.listAPIKeys, "POST": a.createAPIKey})
	a.handle("/v1/orgs/self/users/{user}/apikeys/{name}", methods{"GET": a.getAPIKey, "POST": a.updateAPIKey, "DELETE": a.deleteAPIKey})
}
