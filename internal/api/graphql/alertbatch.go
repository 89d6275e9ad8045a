package graphql

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/delivery"
)

// lazy is a value read once, by the first caller that needs it.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(read func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = read() })
	return l.v, l.err
}

// alertBatch reads what the alerts of one page refer to (comments, history, deliveries,
// assignees, the actors of changes and comments, the detections) with one query per kind, the
// first time a field of any alert of the page asks for it: a page costs the same number of
// queries whatever its size. Alert and Comment models carry it in their Batch field; a model
// without one (a single alert) gets a batch of its own.
type alertBatch struct {
	r         *Resolver
	ids       []string
	assignees []string          // the distinct assignees of the page
	snap      *content.Snapshot // nil when the content store is missing or failed

	comments   lazy[map[string][]alerts.Comment]
	history    lazy[map[string][]alerts.Change]
	deliveries lazy[map[string][]delivery.Record]
	destNames  lazy[map[string]string]
	users      lazy[map[string]auth.User]

	mu     sync.Mutex
	actors map[string]model.Actor // by stored reference, filled by resolveActors
}

// alertModels turns a page of alerts into models sharing one batch and one content snapshot.
func (r *Resolver) alertModels(ctx context.Context, list []*alerts.Alert) []*model.Alert {
	b := r.newBatch(ctx)
	out := make([]*model.Alert, len(list))
	for i, a := range list {
		b.add(a.ID, a.Assignee)
		var det content.Item
		if b.snap != nil {
			if it, ok := b.snap.Item(a.DetectionID); ok {
				det = *it
			}
		}
		m := AlertModel(a, det.Type)
		m.Batch = b
		out[i] = m
	}
	return out
}

// batchOf is the batch of an alert model, a batch of its own when it has none.
func (r *Resolver) batchOf(ctx context.Context, a *model.Alert) *alertBatch {
	if b, ok := a.Batch.(*alertBatch); ok {
		return b
	}
	b := r.newBatch(ctx)
	b.add(a.ID, a.AssigneeID)
	a.Batch = b
	return b
}

func (r *Resolver) newBatch(ctx context.Context) *alertBatch {
	b := &alertBatch{r: r, actors: map[string]model.Actor{}}
	if r.D.Content != nil {
		b.snap, _ = r.D.Content.Snapshot(ctx)
	}
	return b
}

func (b *alertBatch) add(id, assignee string) {
	b.ids = append(b.ids, id)
	if assignee != "" && !slices.Contains(b.assignees, assignee) {
		b.assignees = append(b.assignees, assignee)
	}
}

func (b *alertBatch) allComments(ctx context.Context) (map[string][]alerts.Comment, error) {
	return b.comments.get(func() (map[string][]alerts.Comment, error) { return b.r.D.Alerts.CommentsOf(ctx, b.ids) })
}

func (b *alertBatch) allHistory(ctx context.Context) (map[string][]alerts.Change, error) {
	return b.history.get(func() (map[string][]alerts.Change, error) { return b.r.D.Alerts.HistoryOf(ctx, b.ids) })
}

func (b *alertBatch) commentsOf(ctx context.Context, id string) ([]alerts.Comment, error) {
	m, err := b.allComments(ctx)
	return m[id], err
}

// historyOf is an alert's history, with the actors of the whole page's history resolved.
func (b *alertBatch) historyOf(ctx context.Context, id string) ([]alerts.Change, error) {
	m, err := b.allHistory(ctx)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, list := range m {
		for _, c := range list {
			refs = append(refs, c.Actor)
		}
	}
	b.resolveActors(ctx, refs)
	return m[id], nil
}

func (b *alertBatch) deliveriesOf(ctx context.Context, id string) ([]delivery.Record, error) {
	m, err := b.deliveries.get(func() (map[string][]delivery.Record, error) { return b.r.D.Delivery.DeliveriesOf(ctx, b.ids) })
	return m[id], err
}

func (b *alertBatch) destinationNames(ctx context.Context) map[string]string {
	m, _ := b.destNames.get(func() (map[string]string, error) { return b.r.destinationNames(ctx), nil })
	return m
}

// assignee is the user an alert is assigned to (by user ID or e-mail as recorded).
func (b *alertBatch) assignee(ctx context.Context, key string) (auth.User, bool) {
	m, _ := b.users.get(func() (map[string]auth.User, error) { return b.r.D.Auth.FindUsers(ctx, b.assignees) })
	u, ok := m[key]
	return u, ok
}

// resolveActors resolves stored actor references (user:ID, token:ID) with one query for the
// users and one for the tokens not resolved yet.
func (b *alertBatch) resolveActors(ctx context.Context, refs []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var users, tokens []string
	for _, ref := range refs {
		if _, done := b.actors[ref]; done {
			continue
		}
		b.actors[ref] = nil
		kind, id, _ := strings.Cut(ref, ":")
		switch {
		case id == "" || b.r.D.Auth == nil:
		case kind == access.RefUser:
			users = append(users, id)
		case kind == access.RefToken:
			tokens = append(tokens, id)
		}
	}
	if len(users) > 0 {
		if m, err := b.r.D.Auth.FindUsers(ctx, users); err == nil {
			for _, id := range users {
				if u, ok := m[id]; ok && u.ID == id {
					b.actors[access.RefUser+":"+id] = userModel(u)
				}
			}
		}
	}
	if len(tokens) > 0 {
		if m, err := b.r.D.Auth.GetTokens(ctx, tokens); err == nil {
			for id, t := range m {
				b.actors[access.RefToken+":"+id] = b.r.tokenModel(t, "")
			}
		}
	}
}

// actor is a resolved reference (nil when it names no user or token: the CLI, a deleted user).
func (b *alertBatch) actor(ref string) model.Actor {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.actors[ref]
}

// actorName shows a stored actor resolved by the batch: a user's e-mail, a token's name, else
// the text as stored (changes made with `panther alerts` record a name).
func (b *alertBatch) actorName(ref string) string {
	switch x := b.actor(ref).(type) {
	case *model.User:
		return x.Email
	case *model.APIToken:
		return "token " + x.Name
	}
	return ref
}

// commentActor is who wrote a comment of the page; the authors of the whole page's comments
// are resolved together.
func (b *alertBatch) commentActor(ctx context.Context, ref string) model.Actor {
	refs := []string{ref}
	if m, err := b.allComments(ctx); err == nil {
		for _, list := range m {
			for _, c := range list {
				refs = append(refs, c.Author)
			}
		}
	}
	b.resolveActors(ctx, refs)
	return b.actor(ref)
}
