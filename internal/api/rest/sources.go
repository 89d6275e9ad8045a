package rest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
)

// httpSourceJSON is Panther's HTTP log source. Panther-in-Go makes the secret itself: it is
// in authBearerToken (bearer) or authSecretValue (hmac) of the creation's answer only.
type httpSourceJSON struct {
	IntegrationID        string            `json:"integrationId"`
	IntegrationLabel     string            `json:"integrationLabel"`
	LogTypes             []string          `json:"logTypes"`
	LogStreamType        string            `json:"logStreamType"`
	LogStreamTypeOptions map[string]string `json:"logStreamTypeOptions,omitempty"`
	AuthMethod           string            `json:"authMethod"`
	AuthHeaderKey        string            `json:"authHeaderKey,omitempty"`
	AuthHmacAlg          string            `json:"authHmacAlg,omitempty"`
	AuthBearerToken      string            `json:"authBearerToken,omitempty"`
	AuthSecretValue      string            `json:"authSecretValue,omitempty"`
	AuthUsername         string            `json:"authUsername,omitempty"`
	AuthPassword         string            `json:"authPassword,omitempty"`
	// URL is where to push (Panther-in-Go's addition).
	URL string `json:"url,omitempty"`
}

func httpSourceJSONOf(m *model.HTTPLogIntegration, token string) httpSourceJSON {
	out := httpSourceJSON{IntegrationID: m.IntegrationID, IntegrationLabel: m.IntegrationLabel, LogTypes: nonNil(m.LogTypes),
		LogStreamType: "Auto", URL: m.URL}
	if m.AuthMethod == "hmac" {
		out.AuthMethod, out.AuthHeaderKey, out.AuthHmacAlg, out.AuthSecretValue = "HMAC", deref(m.HmacHeader), "sha256", token
	} else {
		out.AuthMethod, out.AuthBearerToken = "Bearer", token
	}
	return out
}

// settings maps Panther's auth fields onto the http kind's settings.
func (in *httpSourceJSON) settings() (map[string]any, error) {
	switch strings.ToLower(in.AuthMethod) {
	case "bearer":
		return map[string]any{"auth": "bearer"}, nil
	case "hmac":
		if in.AuthHmacAlg != "" && !strings.EqualFold(in.AuthHmacAlg, "sha256") {
			return nil, badRequest("authHmacAlg: only sha256 is supported, got %q", in.AuthHmacAlg)
		}
		s := map[string]any{"auth": "hmac"}
		if in.AuthHeaderKey != "" {
			s["hmac_header"] = in.AuthHeaderKey
		}
		return s, nil
	}
	return nil, badRequest("authMethod must be Bearer or HMAC, got %q (sources always authenticate their senders)", in.AuthMethod)
}

func (h *handlers) httpSource(r *http.Request, id string) (*model.HTTPLogIntegration, error) {
	m, err := h.r.Query().Source(r.Context(), id)
	if err != nil {
		return nil, err
	}
	hs, ok := m.(*model.HTTPLogIntegration)
	if !ok || hs == nil {
		return nil, apierr.New(apierr.NotFound, "no HTTP source with ID %q", id)
	}
	return hs, nil
}

func (h *handlers) createHTTPSource(w http.ResponseWriter, r *http.Request) {
	var in httpSourceJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	set, err := in.settings()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Mutation().CreateSource(r.Context(), model.CreateSourceInput{Type: "http", Label: in.IntegrationLabel, LogTypes: in.LogTypes, Settings: set})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, httpSourceJSONOf(res.LogSource.(*model.HTTPLogIntegration), deref(res.Token)))
}

func (h *handlers) getHTTPSource(w http.ResponseWriter, r *http.Request) {
	hs, err := h.httpSource(r, pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, httpSourceJSONOf(hs, ""))
}

func (h *handlers) putHTTPSource(w http.ResponseWriter, r *http.Request) {
	var in httpSourceJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.httpSource(r, pathID(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	set, err := in.settings()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	raw, _ := json.Marshal(set)
	up := model.UpdateSourceInput{ID: pathID(r), LogTypes: nonNil(in.LogTypes), Settings: string(raw)}
	if in.IntegrationLabel != "" {
		up.Label = &in.IntegrationLabel
	}
	res, err := h.r.Mutation().UpdateSource(r.Context(), up)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, httpSourceJSONOf(res.LogSource.(*model.HTTPLogIntegration), ""))
}

func (h *handlers) deleteHTTPSource(w http.ResponseWriter, r *http.Request) {
	if _, err := h.httpSource(r, pathID(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.r.Mutation().DeleteSource(r.Context(), model.DeleteSourceInput{ID: pathID(r)}); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}
