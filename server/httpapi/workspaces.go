package httpapi

import (
	"net/http"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/catalog"
)

// workspaceJSON is Rockset's Workspace.
type workspaceJSON struct {
	Name            string `json:"name"`
	Description     string `json:"description"`
	CreatedAt       string `json:"created_at"`
	CreatedBy       string `json:"created_by"`
	CollectionCount int    `json:"collection_count"`
}

func (a *API) workspaceJSON(w catalog.Workspace) workspaceJSON {
	return workspaceJSON{Name: w.Name, Description: w.Description, CreatedAt: isoTime(w.CreatedAt), CollectionCount: a.eng.Catalog().CollectionCount(w.Name)}
}

func (a *API) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	list := a.eng.Catalog().Workspaces()
	out := make([]workspaceJSON, 0, len(list))
	for _, ws := range list {
		if p.SeesWorkspace(ws.Name) {
			out = append(out, a.workspaceJSON(ws))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) createWorkspace(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        *string `json:"name"`
		Description string  `json:"description"`
	}
	if err := a.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Name == nil {
		writeError(w, apiError(ErrInvalidInput, "field name is required"))
		return
	}
	if err := principalOf(r).Check(auth.ActionDDL, *req.Name); err != nil {
		writeError(w, classify(err))
		return
	}
	ws, err := a.eng.Catalog().CreateWorkspace(*req.Name, req.Description)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.workspaceJSON(ws)})
}

func (a *API) getWorkspace(w http.ResponseWriter, r *http.Request) {
	ws, err := a.eng.Catalog().Workspace(r.PathValue("ws"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.workspaceJSON(ws)})
}

func (a *API) deleteWorkspace(w http.ResponseWriter, r *http.Request) {
	ws, err := a.eng.Catalog().DropWorkspace(r.PathValue("ws"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := a.workspaceJSON(ws)
	out.CollectionCount = 0
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}
