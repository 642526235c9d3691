// Package webevents generates a web-analytics workload: flat-ish events of
// about 1 KB (page views, clicks, searches, purchases …) by users of a
// dimension collection, the shape behind `basalt bench query`. RockBench
// (internal/rockbench) measures ingest of deep documents; this workload
// measures the questions a product dashboard asks: counts by type, top-K
// over the last hour, per-minute series, distinct users, needles by session,
// joins with the users dimension, percentiles by page.
//
// Everything is deterministic given Config: event i is the same document
// on every run, so a benchmark can name needles (an _id, a session) that
// exist, and tests can check answers by brute force over the same events.
//
// Distributions, chosen to look like real traffic and to give each query
// of the suite a non-trivial answer:
//
//   - event_type: 10 values, skewed (page_view 40% … error 2%);
//   - page: 1,000 URL paths, Zipf (s=1.1), so a few pages dominate;
//   - country: 30 values, skewed (US about a third);
//   - user_id: one of Config.Users users (`u0000042`), drawn per session;
//   - session_id: about 8 events per session, sessions interleaved;
//   - timestamp: ISO-8601, event i at Start + i·Span/Events plus up to ±2 s
//     of jitter, so events arrive almost in time order, as a stream does,
//     and the last hour holds about half of them;
//   - device: {os, browser, version, model, screen{w,h}} (nested fields);
//   - amount: float, positive for add_to_cart and purchase, else 0;
//   - latency_ms: log-normal around a per-page base;
//   - tags: 0–4 of 20 strings.
package webevents

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/basaltdb/basalt/types"
)

// Config fixes a workload.
type Config struct {
	Seed   uint64
	Events int // events in [Start, Start+Span)
	Users  int // users in the dimension (default 200,000)
	// End is when the last event happens (default: now, truncated to the
	// second); events spread over Span (default 2 hours) before it.
	End  time.Time
	Span time.Duration
}

func (c *Config) ensureDefaults() {
	if c.Users <= 0 {
		c.Users = 200_000
	}
	if c.End.IsZero() {
		c.End = time.Now().Truncate(time.Second)
	}
	if c.Span <= 0 {
		c.Span = 2 * time.Hour
	}
}

// Start is when the first event happens.
func (c Config) Start() time.Time { return c.End.Add(-c.Span) }

// EventID is the _id of event i.
func EventID(i int) string { return fmt.Sprintf("e%010d", i) }

// UserID is the _id of user i.
func UserID(i int) string { return fmt.Sprintf("u%07d", i) }

// Event is one generated event.
type Event struct {
	ID        string
	Time      int64 // microseconds since the epoch
	Type      string
	UserID    string
	SessionID string
	Page      string
	Referrer  string
	Country   string
	Locale    string
	OS        string
	Browser   string
	Version   string
	Model     string
	ScreenW   int64
	ScreenH   int64
	UserAgent string
	IP        string
	RequestID string
	Status    int64
	LatencyMS int64
	Bytes     int64
	Amount    float64
	Currency  string
	UTMSource string
	UTMMedium string
	Campaign  string
	Tags      []string
	Title     string
}

var (
	eventTypes   = []string{"page_view", "click", "scroll", "search", "add_to_cart", "login", "signup", "purchase", "logout", "error"}
	eventWeights = []int{40, 20, 10, 8, 6, 5, 3, 3, 3, 2}

	countries      = []string{"US", "IN", "GB", "DE", "BR", "FR", "CA", "JP", "AU", "ES", "IT", "MX", "NL", "SE", "PL", "KR", "TR", "ID", "AR", "ZA", "NG", "EG", "PH", "VN", "CH", "BE", "AT", "IE", "NO", "DK"}
	countryWeights = []int{300, 90, 70, 60, 50, 45, 40, 35, 25, 25, 20, 20, 15, 15, 15, 12, 12, 12, 10, 10, 8, 8, 8, 8, 6, 6, 5, 5, 5, 5}
	locales        = map[string]string{"US": "en-US", "GB": "en-GB", "IN": "en-IN", "DE": "de-DE", "BR": "pt-BR", "FR": "fr-FR", "JP": "ja-JP", "ES": "es-ES", "IT": "it-IT", "MX": "es-MX", "KR": "ko-KR"}

	oses      = []string{"android", "ios", "windows", "macos", "linux", "chromeos"}
	osWeights = []int{35, 25, 22, 12, 4, 2}
	browsers  = map[string][]string{
		"android":  {"chrome", "samsung", "firefox"},
		"ios":      {"safari", "chrome"},
		"windows":  {"chrome", "edge", "firefox"},
		"macos":    {"safari", "chrome", "firefox"},
		"linux":    {"firefox", "chrome"},
		"chromeos": {"chrome"},
	}
	models = map[string][]string{
		"android":  {"Pixel 8", "Galaxy S24", "Galaxy A54", "Redmi Note 13", "OnePlus 12"},
		"ios":      {"iPhone 15", "iPhone 14", "iPhone 13", "iPad Air"},
		"windows":  {"Desktop", "Surface Laptop"},
		"macos":    {"MacBook Air", "MacBook Pro", "iMac"},
		"linux":    {"Desktop"},
		"chromeos": {"Chromebook"},
	}
	screens = [][2]int64{{390, 844}, {412, 915}, {1920, 1080}, {1440, 900}, {2560, 1440}, {1366, 768}}

	sections   = []string{"products", "blog", "docs", "account", "checkout", "search", "cart", "help", "category", "pricing", "careers", "news"}
	slugWords  = []string{"red", "blue", "shoes", "jacket", "laptop", "phone", "guide", "setup", "billing", "review", "summer", "winter", "sale", "new", "pro", "lite", "max", "mini", "kids", "home", "garden", "sport", "travel", "camera"}
	referrers  = []string{"https://www.google.com/", "https://www.bing.com/", "https://t.co/", "https://www.facebook.com/", "https://news.ycombinator.com/", "https://www.reddit.com/", "https://duckduckgo.com/", ""}
	utmSources = []string{"google", "newsletter", "twitter", "facebook", "partner", "direct"}
	utmMediums = []string{"cpc", "email", "social", "referral", "organic"}
	campaigns  = []string{"spring_sale", "black_friday", "retargeting_q3", "brand", "launch_2025", "none"}
	currencies = []string{"USD", "EUR", "GBP", "INR", "JPY"}
	tagValues  = []string{"promo", "mobile", "returning", "new_user", "beta", "ab_test_a", "ab_test_b", "vip", "newsletter", "organic", "paid", "social", "email", "retargeting", "holiday", "sale", "bot_suspected", "internal", "premium", "trial"}
	statuses   = []int64{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 301, 304, 404, 500}
	titleWords = []string{"Buy", "the", "best", "new", "Shop", "Learn", "how", "to", "your", "and", "for", "with", "Guide", "Review", "Deals", "Today", "Fast", "Free", "Shipping", "Online"}
)

// NumPages is how many distinct pages events visit.
const NumPages = 1000

// pages is the page table: fixed for every seed, so a page's name and base
// latency do not depend on the workload.
var pages, pageBase = func() ([]string, []float64) {
	r := rand.New(rand.NewPCG(7, 7))
	p := make([]string, NumPages)
	b := make([]float64, NumPages)
	seen := map[string]bool{}
	for i := range p {
		for {
			s := "/" + sections[r.IntN(len(sections))] + "/" + slugWords[r.IntN(len(slugWords))] + "-" + slugWords[r.IntN(len(slugWords))]
			if r.IntN(2) == 0 {
				s += "/" + strconv.Itoa(r.IntN(1000))
			}
			if !seen[s] {
				seen[s] = true
				p[i] = s
				break
			}
		}
		b[i] = 40 + r.Float64()*200
	}
	return p, b
}()

// Pages returns the page paths (the Zipf rank order: Pages()[0] is the most
// visited).
func Pages() []string { return pages }

// EventTypes returns the event types, most frequent first.
func EventTypes() []string { return eventTypes }

// Countries returns the countries, most frequent first.
func Countries() []string { return countries }

// OSes returns the device operating systems, most frequent first.
func OSes() []string { return oses }

// Tags returns the tag values.
func Tags() []string { return tagValues }

// Plans returns the users' plans, most frequent first.
func Plans() []string { return plans }

type weighted struct {
	vals []string
	cum  []int
}

func newWeighted(vals []string, w []int) weighted {
	cum := make([]int, len(w))
	t := 0
	for i, x := range w {
		t += x
		cum[i] = t
	}
	return weighted{vals, cum}
}

func (w weighted) pick(r *rand.Rand) string {
	x := r.IntN(w.cum[len(w.cum)-1])
	for i, c := range w.cum {
		if x < c {
			return w.vals[i]
		}
	}
	return w.vals[len(w.vals)-1]
}

type session struct {
	id      string
	user    string
	country string
	os      string
	browser string
	version string
	model   string
	screen  [2]int64
	ip      string
	ua      string
	left    int
	source  int
}

// activeSessions is how many sessions interleave at any time.
const activeSessions = 4096

// Generator yields the events of a Config in order.
type Generator struct {
	cfg      Config
	r        *rand.Rand
	zipf     *rand.Zipf
	types    weighted
	country  weighted
	os       weighted
	sessions []session
	next     int
	startUS  int64
	spanUS   int64
}

// New returns a generator of cfg's events, starting at event 0.
func New(cfg Config) *Generator {
	cfg.ensureDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eb))
	g := &Generator{
		cfg:     cfg,
		r:       r,
		zipf:    rand.NewZipf(r, 1.1, 1, NumPages-1),
		types:   newWeighted(eventTypes, eventWeights),
		country: newWeighted(countries, countryWeights),
		os:      newWeighted(oses, osWeights),
		startUS: cfg.Start().UnixMicro(),
		spanUS:  cfg.Span.Microseconds(),
	}
	g.sessions = make([]session, activeSessions)
	for i := range g.sessions {
		g.sessions[i] = g.newSession()
	}
	return g
}

// Config returns the generator's configuration, defaults filled.
func (g *Generator) Config() Config { return g.cfg }

func hexString(r *rand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

func (g *Generator) newSession() session {
	r := g.r
	os := g.os.pick(r)
	bs := browsers[os]
	ms := models[os]
	s := session{
		id:      "s-" + hexString(r, 8) + "-" + hexString(r, 12),
		user:    UserID(r.IntN(g.cfg.Users)),
		country: g.country.pick(r),
		os:      os,
		browser: bs[r.IntN(len(bs))],
		version: strconv.Itoa(100+r.IntN(30)) + "." + strconv.Itoa(r.IntN(10)),
		model:   ms[r.IntN(len(ms))],
		screen:  screens[r.IntN(len(screens))],
		ip:      fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		left:    1 + r.IntN(15),
		source:  r.IntN(len(utmSources)),
	}
	s.ua = fmt.Sprintf("Mozilla/5.0 (%s; %s) AppleWebKit/537.36 (KHTML, like Gecko) %s/%s Mobile Safari/537.36", s.os, s.model, s.browser, s.version)
	return s
}

// Next returns the next event. Past Config.Events it goes on with later
// ids and times (a live stream after the loaded history).
func (g *Generator) Next() Event {
	i := g.next
	g.next++
	r := g.r
	k := r.IntN(len(g.sessions))
	s := &g.sessions[k]
	jitter := r.Int64N(4_000_000) - 2_000_000
	t := g.startUS + int64(float64(i)/float64(max(g.cfg.Events, 1))*float64(g.spanUS)) + jitter
	pi := int(g.zipf.Uint64())
	e := Event{
		ID:        EventID(i),
		Time:      t,
		Type:      g.types.pick(r),
		UserID:    s.user,
		SessionID: s.id,
		Page:      pages[pi],
		Referrer:  referrers[r.IntN(len(referrers))],
		Country:   s.country,
		Locale:    locales[s.country],
		OS:        s.os,
		Browser:   s.browser,
		Version:   s.version,
		Model:     s.model,
		ScreenW:   s.screen[0],
		ScreenH:   s.screen[1],
		UserAgent: s.ua,
		IP:        s.ip,
		RequestID: hexString(r, 8) + "-" + hexString(r, 4) + "-" + hexString(r, 4) + "-" + hexString(r, 12),
		Status:    statuses[r.IntN(len(statuses))],
		LatencyMS: int64(pageBase[pi] * math.Exp(r.NormFloat64()*0.6)),
		Bytes:     int64(2000 + r.IntN(200_000)),
		UTMSource: utmSources[s.source],
		UTMMedium: utmMediums[s.source%len(utmMediums)],
		Campaign:  campaigns[r.IntN(len(campaigns))],
		Currency:  currencies[r.IntN(len(currencies))],
	}
	if e.Locale == "" {
		e.Locale = "en"
	}
	if e.Type == "purchase" || e.Type == "add_to_cart" {
		e.Amount = math.Round(math.Exp(2.5+r.NormFloat64())*100) / 100
	}
	if e.Type == "error" {
		e.Status = 500
	}
	for range r.IntN(5) {
		e.Tags = append(e.Tags, tagValues[r.IntN(len(tagValues))])
	}
	title := make([]byte, 0, 64)
	for j := range 4 + r.IntN(6) {
		if j > 0 {
			title = append(title, ' ')
		}
		title = append(title, titleWords[r.IntN(len(titleWords))]...)
	}
	e.Title = string(title)
	s.left--
	if s.left == 0 {
		g.sessions[k] = g.newSession()
	}
	return e
}

// formatTime formats a time as the documents' timestamps are.
func formatTime(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z")
}

// Value returns the event as a document. Its `timestamp` field is the one
// a collection maps to `_event_time`.
func (e *Event) Value() types.Value {
	tags := make([]types.Value, len(e.Tags))
	for i, t := range e.Tags {
		tags[i] = types.String(t)
	}
	ref := types.Null
	if e.Referrer != "" {
		ref = types.String(e.Referrer)
	}
	return types.Object([]types.Field{
		{Name: "_id", Value: types.String(e.ID)},
		{Name: "timestamp", Value: types.String(formatTime(e.Time))},
		{Name: "event_type", Value: types.String(e.Type)},
		{Name: "user_id", Value: types.String(e.UserID)},
		{Name: "session_id", Value: types.String(e.SessionID)},
		{Name: "page", Value: types.String(e.Page)},
		{Name: "url", Value: types.String("https://shop.example.com" + e.Page + "?utm_source=" + e.UTMSource + "&utm_medium=" + e.UTMMedium + "&utm_campaign=" + e.Campaign)},
		{Name: "referrer", Value: ref},
		{Name: "title", Value: types.String(e.Title)},
		{Name: "country", Value: types.String(e.Country)},
		{Name: "locale", Value: types.String(e.Locale)},
		{Name: "device", Value: types.Object([]types.Field{
			{Name: "os", Value: types.String(e.OS)},
			{Name: "browser", Value: types.String(e.Browser)},
			{Name: "version", Value: types.String(e.Version)},
			{Name: "model", Value: types.String(e.Model)},
			{Name: "screen", Value: types.Object([]types.Field{
				{Name: "w", Value: types.Int(e.ScreenW)},
				{Name: "h", Value: types.Int(e.ScreenH)},
			})},
		})},
		{Name: "user_agent", Value: types.String(e.UserAgent)},
		{Name: "ip", Value: types.String(e.IP)},
		{Name: "request_id", Value: types.String(e.RequestID)},
		{Name: "status", Value: types.Int(e.Status)},
		{Name: "latency_ms", Value: types.Int(e.LatencyMS)},
		{Name: "bytes", Value: types.Int(e.Bytes)},
		{Name: "amount", Value: types.Float(e.Amount)},
		{Name: "currency", Value: types.String(e.Currency)},
		{Name: "utm", Value: types.Object([]types.Field{
			{Name: "source", Value: types.String(e.UTMSource)},
			{Name: "medium", Value: types.String(e.UTMMedium)},
			{Name: "campaign", Value: types.String(e.Campaign)},
		})},
		{Name: "tags", Value: types.Array(tags)},
		{Name: "sdk", Value: types.Object([]types.Field{
			{Name: "name", Value: types.String("basalt-analytics-js")},
			{Name: "version", Value: types.String("3.14.1")},
		})},
		{Name: "consent", Value: types.Object([]types.Field{
			{Name: "analytics", Value: types.Bool(true)},
			{Name: "marketing", Value: types.Bool(e.UTMMedium != "organic")},
		})},
	})
}

// User is one row of the users dimension.
type User struct {
	ID         string
	Name       string
	Email      string
	Plan       string
	Country    string
	SignupTime int64 // microseconds since the epoch
	Company    string
	Seats      int64
}

var (
	plans       = []string{"free", "pro", "enterprise"}
	planWeights = []int{70, 25, 5}
	firstNames  = []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Aarav", "Yuki", "Lena", "Mateo"}
	lastNames   = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Kumar", "Tanaka", "Müller", "Silva", "Wilson"}
	companies   = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne"}
)

// Users yields the users dimension of a Config in order.
type Users struct {
	cfg     Config
	r       *rand.Rand
	plan    weighted
	country weighted
	next    int
}

// NewUsers returns a generator of cfg's users.
func NewUsers(cfg Config) *Users {
	cfg.ensureDefaults()
	return &Users{
		cfg:     cfg,
		r:       rand.New(rand.NewPCG(cfg.Seed, 0x05e5)),
		plan:    newWeighted(plans, planWeights),
		country: newWeighted(countries, countryWeights),
	}
}

// Next returns the next user; false after Config.Users users.
func (u *Users) Next() (User, bool) {
	if u.next >= u.cfg.Users {
		return User{}, false
	}
	i := u.next
	u.next++
	r := u.r
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	usr := User{
		ID:         UserID(i),
		Name:       first + " " + last,
		Email:      fmt.Sprintf("%s.%s%d@example.com", first, last, i),
		Plan:       u.plan.pick(r),
		Country:    u.country.pick(r),
		SignupTime: u.cfg.Start().Add(-time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour)))).UnixMicro(),
		Company:    companies[r.IntN(len(companies))],
		Seats:      1,
	}
	if usr.Plan == "enterprise" {
		usr.Seats = int64(10 + r.IntN(500))
	}
	return usr, true
}

// Value returns the user as a document.
func (u *User) Value() types.Value {
	return types.Object([]types.Field{
		{Name: "_id", Value: types.String(u.ID)},
		{Name: "name", Value: types.String(u.Name)},
		{Name: "email", Value: types.String(u.Email)},
		{Name: "plan", Value: types.String(u.Plan)},
		{Name: "country", Value: types.String(u.Country)},
		{Name: "signup_time", Value: types.String(formatTime(u.SignupTime))},
		{Name: "company", Value: types.String(u.Company)},
		{Name: "seats", Value: types.Int(u.Seats)},
	})
}
