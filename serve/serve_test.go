package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/verify"
)

func TestVerify(t *testing.T) {
	f := newFixture(t, nil)
	content, sig := f.letter(t)
	var rep verify.Report
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig, Content: content, ContentName: "letter.txt", RequireRole: []string{"医師"}}, &rep); code != 200 || rep.Indication != verify.TotalPassed {
		t.Fatalf("%d %+v", code, rep)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Level != "CAdES-BASELINE-T" || rep.Signatures[0].Signer.Roles[0].Ja != "医師" {
		t.Fatalf("report %+v", rep.Signatures)
	}
	// The same JSON as the library's report (what hpki verify prints).
	v := verify.New(verifyOptions(t, f.p))
	lib, err := v.VerifyCAdES(context.Background(), sig, bytes.NewReader(content), "letter.txt")
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	ja, _ := json.Marshal(lib)
	jb, _ := json.Marshal(rep)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	delete(a, "validationTime")
	delete(b, "validationTime")
	if ka, kb := keys(a), keys(b); ka != kb {
		t.Fatalf("report fields differ: %s vs %s", ka, kb)
	}

	for _, c := range []struct {
		name string
		req  VerifyRequest
		ind  verify.Indication
	}{
		{"other content", VerifyRequest{Signature: sig, Content: []byte("forged")}, verify.TotalFailed},
		{"role not met", VerifyRequest{Signature: sig, Content: content, RequireRole: []string{"薬剤師"}}, verify.TotalFailed},
		{"no content", VerifyRequest{Signature: sig}, verify.Indeterminate},
	} {
		var r verify.Report
		if code := f.call(t, "POST", "/v1/verify", "", c.req, &r); code != 200 || r.Indication != c.ind {
			t.Errorf("%s: %d %s", c.name, code, r.Indication)
		}
	}
	// multipart/form-data, raw bytes.
	form := func(parts ...string) (int, verify.Report, auth.ErrorBody) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i := 0; i+1 < len(parts); i += 2 {
			w, _ := mw.CreateFormFile(parts[i], parts[i])
			_, _ = w.Write([]byte(parts[i+1]))
		}
		mw.Close()
		resp, err := f.hc.Post(f.base+"/v1/verify", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var r verify.Report
		var e auth.ErrorBody
		_ = json.Unmarshal(data, &r)
		_ = json.Unmarshal(data, &e)
		return resp.StatusCode, r, e
	}
	if code, r, _ := form("signature", string(sig), "content", string(content), "requireRole", "医師"); code != 200 || r.Indication != verify.TotalPassed {
		t.Fatalf("multipart: %d %s", code, r.Indication)
	}
	if code, r, _ := form("signature", string(sig), "content", "forged"); code != 200 || r.Indication != verify.TotalFailed {
		t.Fatalf("multipart, forged: %d %s", code, r.Indication)
	}
	if code, _, e := form("signature", string(sig), "signature", string(sig)); code != 400 || !strings.Contains(e.Error, "twice") {
		t.Fatalf("multipart, twice: %d %+v", code, e)
	}
	if code, _, e := form("evil", "x"); code != 400 || !strings.Contains(e.Error, "unknown part") {
		t.Fatalf("multipart, unknown: %d %+v", code, e)
	}

	var e auth.ErrorBody
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: []byte("garbage")}, &e); code != 422 || e.Error == "" {
		t.Errorf("garbage: %d %+v", code, e)
	}
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig, RequireRole: []string{"wizard"}}, &e); code != 400 {
		t.Errorf("unknown role: %d", code)
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return strings.Join(ks, ",")
}

func TestLoginAndSign(t *testing.T) {
	f := newFixture(t, nil)
	doc := []byte("処方箋 prescription")
	var e auth.ErrorBody
	if code := f.call(t, "POST", "/v1/sign", "", SignRequest{Content: doc}, &e); code != 401 {
		t.Fatalf("sign without login: %d %+v", code, e)
	}
	if code := f.call(t, "POST", "/v1/sign", "not-a-token", SignRequest{Content: doc}, &e); code != 401 {
		t.Fatalf("sign with a wrong token: %d", code)
	}
	tok := f.login(t, f.p.DoctorAuth)
	var id auth.Identity
	if code := f.call(t, "GET", "/v1/auth/session", tok, nil, &id); code != 200 || id.HolderID != "MD0001" || id.SubjectJa == "" {
		t.Fatalf("session: %d %+v", code, id)
	}
	var sr SignResponse
	if code := f.call(t, "POST", "/v1/sign", tok, SignRequest{Content: doc, Level: "T", RequireRole: []string{"医師"}}, &sr); code != 200 || !strings.Contains(sr.Signer.Subject, "TEST DOCTOR Taro") || sr.TimestampTime == nil || sr.Level != "T" {
		t.Fatalf("sign: %d %s %s %v", code, sr.Signer.Subject, sr.Level, sr.TimestampTime)
	}
	var rep verify.Report
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sr.Signature, Content: doc}, &rep); code != 200 || rep.Indication != verify.TotalPassed || !strings.Contains(rep.Signatures[0].Signer.Subject, "TEST DOCTOR Taro") {
		t.Fatalf("verify the server's signature: %d %s %v", code, rep.Indication, rep.Signatures)
	}
	// The doctor cannot sign as a pharmacist (the server holds a
	// pharmacist's key, not the doctor's).
	if code := f.call(t, "POST", "/v1/sign", tok, SignRequest{Content: doc, RequireRole: []string{"薬剤師"}}, &e); code != 403 {
		t.Fatalf("sign as someone else: %d %+v", code, e)
	}
	// XAdES, enveloped.
	if code := f.call(t, "POST", "/v1/sign", tok, SignRequest{Content: []byte(`<Document><Data Id="d">x</Data></Document>`), Format: "xades"}, &sr); code != 200 || !bytes.Contains(sr.Signature, []byte("SignatureValue")) {
		t.Fatalf("xades: %d %s", code, sr.Signature)
	}
	// A holder whose key the server does not hold.
	nurse := f.login(t, f.nurse)
	if code := f.call(t, "POST", "/v1/sign", nurse, SignRequest{Content: doc}, &e); code != 403 || !strings.Contains(e.Error, "no signing key") {
		t.Fatalf("nurse: %d %+v", code, e)
	}
	// Logout ends the session.
	f.call(t, "POST", "/v1/auth/logout", tok, struct{}{}, nil)
	if code := f.call(t, "GET", "/v1/auth/session", tok, nil, &e); code != 401 {
		t.Fatalf("after logout: %d", code)
	}
	// A signing certificate cannot log in.
	if _, err := auth.Login(context.Background(), f.hc, f.base, f.p.Doctor.Key, f.p.Doctor.Cert, f.p.Doctor.Chain); auth.ReasonOf(err) != auth.ReasonCertificateKind {
		t.Fatalf("login with a signing certificate: %v", err)
	}
}

func TestOtherEndpoints(t *testing.T) {
	f := newFixture(t, nil)
	var st Status
	if code := f.call(t, "GET", "/healthz", "", nil, &st); code != 200 || st.Status != "ok" {
		t.Fatal(code, st)
	}
	if code := f.call(t, "GET", "/readyz", "", nil, &st); code != 200 || st.Status != "ready" {
		t.Fatal(code, st)
	}
	var info certinfo.Info
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.p.Director.Cert.Raw}))
	if code := f.call(t, "POST", "/v1/cert/inspect", "", InspectRequest{PEM: pemText}, &info); code != 200 || info.HPKI != "signing" || len(info.Roles) != 2 {
		t.Fatalf("inspect: %d %+v", code, info)
	}
	if code := f.call(t, "POST", "/v1/cert/inspect", "", InspectRequest{Certificate: f.p.DoctorAuth.Cert.Raw}, &info); code != 200 || info.HPKI != "authentication" {
		t.Fatalf("inspect DER: %d %+v", code, info)
	}
	var ts TimestampResponse
	if code := f.call(t, "POST", "/v1/timestamp", "", TimestampRequest{Content: []byte("x")}, &ts); code != 200 || len(ts.Token) == 0 || ts.GenTime.IsZero() {
		t.Fatalf("timestamp: %d %+v", code, ts)
	}
	content, sig := f.letter(t)
	f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig, Content: content}, nil)
	var ex ExtendResponse
	if code := f.call(t, "POST", "/v1/extend", "", ExtendRequest{Signature: sig, Content: content, To: "LT"}, &ex); code != 200 || ex.Level != "CAdES-BASELINE-LT" || ex.Report.Indication != verify.TotalPassed {
		t.Fatalf("extend: %d %+v", code, ex.Level)
	}
	var e auth.ErrorBody
	if code := f.call(t, "POST", "/v1/extend", "", ExtendRequest{Signature: sig, Content: []byte("forged"), To: "LT"}, &e); code != 422 {
		t.Fatalf("extend a forgery: %d", code)
	}
	resp, err := f.hc.Get(f.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hpki_http_requests_total{code="200",route="POST /v1/extend"} 1`, `hpki_verify_total{indication="TOTAL_PASSED"} 1`, "go_goroutines", "hpki_http_request_duration_seconds_bucket"} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestRequestLimits(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxBody = 4096 })
	post := func(path, ctype string, body []byte) (int, auth.ErrorBody) {
		resp, err := f.hc.Post(f.base+path, ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e auth.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	for _, c := range []struct {
		name, path string
		body       string
		code       int
	}{
		{"oversized", "/v1/verify", `{"signature":"` + strings.Repeat("A", 8000) + `"}`, 413},
		{"malformed JSON", "/v1/verify", `{"signature":`, 400},
		{"unknown field", "/v1/verify", `{"signature":"AA==","evil":1}`, 400},
		{"two values", "/v1/verify", `{"signature":"AA=="}{}`, 400},
		{"not base64", "/v1/verify", `{"signature":"***"}`, 400},
		{"no signature", "/v1/verify", `{}`, 400},
		{"wrong type", "/v1/cert/inspect", `{"certificate":42}`, 400},
		{"junk certificate", "/v1/cert/inspect", `{"certificate":"AAAA"}`, 400},
		{"bad level", "/v1/extend", `{"signature":"AA==","to":"XL"}`, 400},
		{"junk login", auth.PathLogin, `{"nonce":"x"}`, 401},
		{"no such route", "/v2/anything", `{}`, 404},
	} {
		code, e := post(c.path, "application/json", []byte(c.body))
		if code != c.code || e.Error == "" {
			t.Errorf("%s: %d %+v, want %d", c.name, code, e, c.code)
		}
	}
	resp, err := f.hc.Get(f.base + "/v1/verify")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/verify: %d", resp.StatusCode)
	}
}

// TestBusy: with one slot taken, a request waits QueueWait and gets 503.
func TestBusy(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxConcurrent = 1; c.QueueWait = 50 * time.Millisecond })
	f.srv.sem <- struct{}{}
	var e auth.ErrorBody
	if code := f.call(t, "POST", "/v1/cert/inspect", "", InspectRequest{}, &e); code != 503 {
		t.Fatalf("%d %+v", code, e)
	}
	<-f.srv.sem
	if code := f.call(t, "POST", "/v1/cert/inspect", "", InspectRequest{Certificate: f.p.Doctor.Cert.Raw}, nil); code != 200 {
		t.Fatalf("after release: %d", code)
	}
}

// TestGracefulShutdown: a request in progress when shutdown starts is
// answered; then Serve returns.
func TestGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, func(c *Config) {
		c.Ready = func(context.Context) error { close(entered); <-release; return nil }
	})
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get(f.base + "/readyz")
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- f.stop() }()
	close(release)
	if code := <-got; code != 200 {
		t.Fatalf("in-flight request: %d", code)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(f.base + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}
