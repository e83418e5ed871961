package standin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Jira is a stand-in Jira Cloud, for its "Add comment" operation
// (REST API v3, POST /rest/api/3/issue/{issueIdOrKey}/comment): Basic
// authentication with an account's email and API token, a JSON body whose
// "body" is an Atlassian Document Format document (type "doc", version 1,
// block nodes with content). It answers 201 with the comment, 401 to bad
// credentials, 400 to a body that is not ADF, 404 to an unknown issue.
type Jira struct {
	*server
	user, token string
	comments    map[string][]string
}

// NewJira is a stand-in Jira Cloud accepting user's API token.
func NewJira(t testing.TB, user, token string) *Jira {
	j := &Jira{user: user, token: token, comments: map[string][]string{}}
	j.server = newServer(t, http.HandlerFunc(j.serve))
	return j
}

// Comments are the text of the comments that landed on issue, in order.
func (j *Jira) Comments(issue string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.comments[issue]...)
}

// adf is an Atlassian Document Format node.
type adf struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Content []adf          `json:"content,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Marks   []any          `json:"marks,omitempty"`
}

func (j *Jira) serve(w http.ResponseWriter, r *http.Request) {
	const prefix, suffix = "/rest/api/3/issue/", "/comment"
	path := r.URL.EscapedPath()
	issue, ok := strings.CutPrefix(path, prefix)
	if ok {
		issue, ok = strings.CutSuffix(issue, suffix)
	}
	if !ok || issue == "" || strings.Contains(issue, "/") || strings.Contains(issue, "%") {
		j.refuse(w, r, http.StatusNotFound, "no such resource")
		return
	}
	if r.Method != http.MethodPost {
		j.refuse(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	if user, token, ok := r.BasicAuth(); !ok || user != j.user || token != j.token {
		j.refuse(w, r, http.StatusUnauthorized, "basic authentication with email and API token required")
		return
	}
	if !jsonContent(r) {
		j.refuse(w, r, http.StatusUnsupportedMediaType, "content type "+r.Header.Get("Content-Type"))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var comment struct {
		Body *adf `json:"body"`
	}
	if err := json.Unmarshal(raw, &comment); err != nil || comment.Body == nil {
		j.refuse(w, r, http.StatusBadRequest, fmt.Sprintf("body is not a comment: %s", raw))
		return
	}
	text, err := docText(*comment.Body)
	if err != nil {
		j.refuse(w, r, http.StatusBadRequest, "comment body: "+err.Error())
		return
	}
	j.mu.Lock()
	j.comments[issue] = append(j.comments[issue], text)
	id := len(j.comments[issue])
	j.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"id":"%d","self":"%s%s%s%s/%d"}`, 10000+id, j.URL(), prefix, issue, suffix, 10000+id)
}

// docText checks an ADF document's shape (a doc of version 1 whose block
// nodes have content, text nodes with text) and is its text.
func docText(doc adf) (string, error) {
	if doc.Type != "doc" || doc.Version != 1 {
		return "", fmt.Errorf("not an ADF document (type %q, version %d)", doc.Type, doc.Version)
	}
	if len(doc.Content) == 0 {
		return "", fmt.Errorf("an ADF document with no content")
	}
	var b strings.Builder
	var walk func(n adf) error
	walk = func(n adf) error {
		switch n.Type {
		case "text":
			if n.Text == "" {
				return fmt.Errorf("a text node with no text")
			}
			b.WriteString(n.Text)
		case "paragraph", "heading", "blockquote", "bulletList", "orderedList", "listItem", "codeBlock", "panel":
			for _, c := range n.Content {
				if err := walk(c); err != nil {
					return err
				}
			}
		case "hardBreak":
			b.WriteString("\n")
		default:
			return fmt.Errorf("node type %q is not one the stand-in knows", n.Type)
		}
		return nil
	}
	for _, block := range doc.Content {
		if block.Type == "text" {
			return "", fmt.Errorf("a text node at the top level: it belongs in a paragraph")
		}
		if err := walk(block); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
