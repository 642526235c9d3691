package auth

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/testcert"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestSCRAMRFC7677 runs the exchange of RFC 7677 section 3 (user "user",
// password "pencil") and checks every server message byte for byte.
func TestSCRAMRFC7677(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	ver, err := scramVerifier("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	find := func(authMessage, proof []byte) (Principal, []byte, bool) {
		if proofMatches(ver.StoredKey, authMessage, proof) {
			return Principal{KeyName: "pencil"}, ver.ServerKey, true
		}
		return Principal{}, nil, false
	}
	c := newSCRAM(salt, 4096, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", nil, find)
	sf, err := c.Start(SCRAMSHA256, []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"; string(sf) != want {
		t.Fatalf("server-first-message\n got %s\nwant %s", sf, want)
	}
	if c.User() != "user" {
		t.Fatalf("user %q", c.User())
	}
	final, p, err := c.Finish([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="; string(final) != want {
		t.Fatalf("server-final-message\n got %s\nwant %s", final, want)
	}
	if p.KeyName != "pencil" {
		t.Fatalf("principal %+v", p)
	}

	// The same exchange with one bit of the proof flipped fails as a bad
	// password, not as a protocol error.
	c = newSCRAM(salt, 4096, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", nil, find)
	if _, err := c.Start(SCRAMSHA256, []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Finish([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("wrong proof: %v", err)
	}
}

func TestSCRAMMalformed(t *testing.T) {
	never := func([]byte, []byte) (Principal, []byte, bool) { return Principal{}, nil, false }
	firsts := []struct {
		mech, msg string
		cb        []byte
	}{
		{"SCRAM-SHA-1", "n,,n=,r=abc", nil},
		{SCRAMSHA256, "", nil},
		{SCRAMSHA256, "n,,", nil},
		{SCRAMSHA256, "x,,n=,r=abc", nil},
		{SCRAMSHA256, "n,,m=ext,n=,r=abc", nil},
		{SCRAMSHA256, "n,,n=,r=", nil},
		{SCRAMSHA256, "n,,r=abc,n=", nil},
		{SCRAMSHA256, "n,,n=a=2Xb,r=abc", nil},
		{SCRAMSHA256, "p=tls-server-end-point,,n=,r=abc", nil},
		{SCRAMSHA256Plus, "p=tls-server-end-point,,n=,r=abc", nil},
		{SCRAMSHA256Plus, "n,,n=,r=abc", []byte("cb")},
		{SCRAMSHA256Plus, "p=tls-unique,,n=,r=abc", []byte("cb")},
		{SCRAMSHA256, "y,,n=,r=abc", []byte("cb")}, // downgrade
	}
	for _, f := range firsts {
		c := newSCRAM([]byte("salt"), 4096, "srv", f.cb, never)
		if _, err := c.Start(f.mech, []byte(f.msg)); !errors.Is(err, ErrSCRAMProtocol) {
			t.Errorf("Start(%s, %q): %v, want a protocol error", f.mech, f.msg, err)
		}
	}
	proof := base64.StdEncoding.EncodeToString(make([]byte, 32))
	finals := []string{
		"c=biws,r=rOprNGfwEbeRWgbNEkqOsrv",
		"c=biws,r=rOprNGfwEbeRWgbNEkqOsrv,p=short",
		"c=biws,r=rOprNGfwEbeRWgbNEkqOother,p=" + proof,
		"c=eSws,r=rOprNGfwEbeRWgbNEkqOsrv,p=" + proof, // y,, instead of n,,
		"r=rOprNGfwEbeRWgbNEkqOsrv,c=biws,p=" + proof,
	}
	for _, f := range finals {
		c := newSCRAM([]byte("salt"), 4096, "srv", nil, never)
		if _, err := c.Start(SCRAMSHA256, []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Finish([]byte(f)); !errors.Is(err, ErrSCRAMProtocol) {
			t.Errorf("Finish(%q): %v, want a protocol error", f, err)
		}
	}
	c := newSCRAM([]byte("salt"), 4096, "srv", nil, never)
	if _, _, err := c.Finish([]byte("c=biws,r=x,p=" + proof)); !errors.Is(err, ErrSCRAMProtocol) {
		t.Errorf("Finish before Start: %v", err)
	}
}

// fakePG is the authentication phase of a PostgreSQL server, enough for
// pgconn.Connect: SSL negotiation, SASL with the store's SCRAM, then
// ReadyForQuery. It reports the mechanism each connection chose and how
// authentication ended.
type fakePG struct {
	ln    net.Listener
	store *Store
	tls   *tls.Config
	cb    []byte
	done  chan fakeResult
}

type fakeResult struct {
	mech string
	p    Principal
	err  error
}

func startFakePG(t *testing.T, s *Store, tlsCfg *tls.Config, cb []byte) *fakePG {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePG{ln: ln, store: s, tls: tlsCfg, cb: cb, done: make(chan fakeResult, 16)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakePG) serve(conn net.Conn) {
	defer conn.Close()
	var res fakeResult
	defer func() { f.done <- res }()
	be := pgproto3.NewBackend(conn, conn)
	msg, err := be.ReceiveStartupMessage()
	if err != nil {
		res.err = err
		return
	}
	var cb []byte
	if _, ok := msg.(*pgproto3.SSLRequest); ok {
		if f.tls == nil {
			conn.Write([]byte{'N'})
		} else {
			conn.Write([]byte{'S'})
			tc := tls.Server(conn, f.tls)
			conn = tc
			be = pgproto3.NewBackend(tc, tc)
			cb = f.cb
		}
		if msg, err = be.ReceiveStartupMessage(); err != nil {
			res.err = err
			return
		}
	}
	if _, ok := msg.(*pgproto3.StartupMessage); !ok {
		res.err = errors.New("no startup message")
		return
	}
	fail := func(err error) {
		res.err = err
		code := "28P01"
		if errors.Is(err, ErrSCRAMProtocol) {
			code = "08P01"
		}
		be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: code, Message: err.Error()})
		be.Flush()
	}
	sc := f.store.NewSCRAM(cb)
	be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: sc.Mechanisms()})
	be.Flush()
	be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, err = be.Receive()
	if err != nil {
		res.err = err
		return
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		fail(errors.New("expected SASLInitialResponse"))
		return
	}
	res.mech = init.AuthMechanism
	first, err := sc.Start(init.AuthMechanism, init.Data)
	if err != nil {
		fail(err)
		return
	}
	be.Send(&pgproto3.AuthenticationSASLContinue{Data: first})
	be.Flush()
	be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	msg, err = be.Receive()
	if err != nil {
		res.err = err
		return
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		fail(errors.New("expected SASLResponse"))
		return
	}
	final, p, err := sc.Finish(resp.Data)
	if err != nil {
		fail(err)
		return
	}
	res.p = p
	be.Send(&pgproto3.AuthenticationSASLFinal{Data: final})
	be.Send(&pgproto3.AuthenticationOk{})
	be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: "15.0"})
	be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	be.Flush()
	// Wait for the client to hang up.
	_, _ = be.Receive()
}

// TestSCRAMWithPgx checks the server side against a real client: pgx's
// pgconn, with the user name free and the API key as the password.
func TestSCRAMWithPgx(t *testing.T) {
	env := newTestEnv(t)
	s := env.store
	mustCreate(t, s, KeySpec{Name: "root", Role: RoleAdmin})
	_, member := mustCreate(t, s, KeySpec{Name: "app", Role: RoleMember, Workspaces: []string{"shop"}})
	_, other := mustCreate(t, s, KeySpec{Name: "other", Role: RoleReadOnly})
	f := startFakePG(t, s, nil, nil)
	addr := f.ln.Addr().(*net.TCPAddr)
	connect := func(user, password string) error {
		cfg, err := pgconn.ParseConfig("host=127.0.0.1 sslmode=disable dbname=basalt")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Port = uint16(addr.Port)
		cfg.User, cfg.Password = user, password
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(ctx)
		}
		return err
	}
	if err := connect("anyone", member); err != nil {
		t.Fatalf("connect with a key: %v", err)
	}
	if r := <-f.done; r.err != nil || r.p.KeyName != "app" || r.mech != SCRAMSHA256 {
		t.Fatalf("server side: %+v", r)
	}
	if err := connect("someone-else", other); err != nil {
		t.Fatalf("connect with another key: %v", err)
	}
	if r := <-f.done; r.p.KeyName != "other" {
		t.Fatalf("server side: %+v", r)
	}
	err := connect("anyone", member+"x")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("wrong key: %v, want SQLSTATE 28P01", err)
	}
	<-f.done
	if _, err := s.Update("admin", "app", Update{State: StateSuspended}); err != nil {
		t.Fatal(err)
	}
	if err := connect("anyone", member); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("suspended key: %v, want SQLSTATE 28P01", err)
	}
	<-f.done
}

// TestSCRAMChannelBinding: over TLS the server offers SCRAM-SHA-256-PLUS
// and pgx binds the exchange to the certificate (tls-server-end-point).
func TestSCRAMChannelBinding(t *testing.T) {
	env := newTestEnv(t)
	_, secret := mustCreate(t, env.store, KeySpec{Name: "root", Role: RoleAdmin})
	cert, leaf := testcert.SelfSigned(t)
	f := startFakePG(t, env.store, &tls.Config{Certificates: []tls.Certificate{cert}}, TLSServerEndPoint(leaf))
	addr := f.ln.Addr().(*net.TCPAddr)
	for _, mode := range []string{"require", "prefer", "disable"} {
		cfg, err := pgconn.ParseConfig("host=127.0.0.1 sslmode=require channel_binding=" + mode)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Port = uint16(addr.Port)
		cfg.User, cfg.Password = "u", secret
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			cancel()
			t.Fatalf("channel_binding=%s: %v", mode, err)
		}
		conn.Close(ctx)
		r := <-f.done
		want := SCRAMSHA256Plus
		if mode == "disable" {
			want = SCRAMSHA256 // and gs2 flag "n": not a downgrade
		}
		if r.mech != want || r.p.KeyName != "root" {
			t.Fatalf("channel_binding=%s: server side %+v, want mechanism %s", mode, r, want)
		}
		cancel()
	}
}

// BenchmarkSCRAMFind is the per-connection cost of finding the key a
// SCRAM proof was made with, among keys=N (the last one created matches).
func BenchmarkSCRAMFind(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			env := newTestEnv(b)
			var secret string
			for i := range n {
				_, secret = mustCreate(b, env.store, KeySpec{Name: fmt.Sprintf("k%d", i), Role: RoleReadOnly})
			}
			authMessage := []byte("n=,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef")
			salted, _ := pbkdf2.Key(sha256.New, secret, env.store.cfg.SCRAMSalt, env.store.cfg.SCRAMIterations, 32)
			clientKey := hmacSHA256(salted, []byte("Client Key"))
			stored := sha256.Sum256(clientKey)
			sig := hmacSHA256(stored[:], authMessage)
			proof := make([]byte, len(sig))
			for i := range sig {
				proof[i] = clientKey[i] ^ sig[i]
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := env.store.findProof(authMessage, proof); !ok {
					b.Fatal("no key matched")
				}
			}
		})
	}
}

// FuzzSCRAM feeds arbitrary client messages to the server side: it must
// fail cleanly, never panic, and never authenticate.
func FuzzSCRAM(f *testing.F) {
	f.Add("SCRAM-SHA-256", []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), []byte("c=biws,r=rOprNGfwEbeRWgbNEkqOsrv,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	f.Add("SCRAM-SHA-256-PLUS", []byte("p=tls-server-end-point,,n=,r=x"), []byte("c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsY2I=,r=xsrv,p=AAAA"))
	f.Add("SCRAM-SHA-256", []byte("y,a=admin,n=a=3Db=2C,r=x,ext=1"), []byte("c=eSxhPWFkbWluLA==,r=xsrv,x=1,p="))
	never := func([]byte, []byte) (Principal, []byte, bool) { return Principal{}, nil, false }
	f.Fuzz(func(t *testing.T, mech string, first, final []byte) {
		c := newSCRAM([]byte("salt"), 4096, "srv", []byte("cb"), never)
		if _, err := c.Start(mech, first); err != nil {
			return
		}
		if _, _, err := c.Finish(final); err == nil {
			t.Fatal("authenticated without a key")
		}
	})
}
