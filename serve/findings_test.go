package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// postRaw posts body with ctype and returns the status and the error text.
func postRaw(t *testing.T, f *fixture, path, ctype string, body []byte) (int, auth.ErrorBody, []byte) {
	t.Helper()
	resp, err := f.hc.Post(f.base+path, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e auth.ErrorBody
	_ = json.Unmarshal(data, &e)
	return resp.StatusCode, e, data
}

// TestSlowBodyDoesNotHoldWorkSlots: clients trickling their bodies, as
// many as there are work slots, hold connections but no slot: honest
// verify and inspect requests are served meanwhile; the slow clients get
// 408 once their body falls below the minimum rate.
func TestSlowBodyDoesNotHoldWorkSlots(t *testing.T) {
	const slots = 2
	f := newFixture(t, func(c *Config) {
		c.MaxConcurrent = slots
		c.QueueWait = 2 * time.Second
		c.BodyGrace = 3 * time.Second
		c.BodyMinRate = 1 << 10
	})
	content, sig := f.letter(t)
	addr := strings.TrimPrefix(f.base, "http://")
	var slow []net.Conn
	for range slots + 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"signature\":\"AAAA"); err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	// Honest requests would wait QueueWait and get 503 if the slow bodies
	// held the slots.
	for i := range 3 {
		var rep verify.Report
		if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig, Content: content}, &rep); code != 200 || rep.Indication != verify.TotalPassed {
			t.Fatalf("honest verify %d during the slow-body attack: %d %s", i, code, rep.Indication)
		}
		if code := f.call(t, "POST", "/v1/cert/inspect", "", InspectRequest{Certificate: f.p.Doctor.Cert.Raw}, nil); code != 200 {
			t.Fatalf("honest inspect %d during the slow-body attack: %d", i, code)
		}
	}
	// The slow clients are answered 408 (they never send more).
	for i, c := range slow {
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow client %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("slow client %d: %d, want 408", i, resp.StatusCode)
		}
	}
	m := metricsText(t, f)
	if !strings.Contains(m, `hpki_http_requests_total{code="408",route="POST /v1/verify"} 4`) {
		t.Fatalf("metrics lack the four 408s:\n%s", grepLines(m, "hpki_http_requests_total"))
	}
}

// TestBodyRateWithoutDeadlines: a ResponseWriter without read deadlines
// (a test recorder) still refuses a body below the rate, between reads.
func TestBodyRateWithoutDeadlines(t *testing.T) {
	br := &rateReader{r: strings.NewReader(strings.Repeat("x", 100)), start: time.Now().Add(-time.Hour), grace: time.Nanosecond, rate: 1}
	if _, err := io.ReadAll(br); err != errSlowBody {
		t.Fatalf("%v, want errSlowBody", err)
	}
	br = &rateReader{r: strings.NewReader("xyz"), start: time.Now(), grace: time.Hour, rate: 1}
	if b, err := io.ReadAll(br); err != nil || string(b) != "xyz" {
		t.Fatalf("%q %v", b, err)
	}
}

func metricsText(t *testing.T, f *fixture) string {
	t.Helper()
	resp, err := f.hc.Get(f.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestDuplicateJSONKeys: a JSON body naming a key twice (at any depth, in
// any spelling encoding/json matches to the same field) is 400, on the
// fast verify path and the encoding/json path alike: a first-wins parser
// in front of hpki must never see another request than hpki.
func TestDuplicateJSONKeys(t *testing.T) {
	f := newFixture(t, nil)
	content, sig := f.letter(t)
	forged := bytes.Replace(content, []byte("referral"), []byte("REFERRAL"), 1)
	b := base64.StdEncoding.EncodeToString
	for _, c := range []struct{ name, path, body string }{
		{"content twice (fast path shape)", "/v1/verify", fmt.Sprintf(`{"signature":"%s","content":"%s","content":"%s"}`, b(sig), b(forged), b(content))},
		{"content twice, escaped key", "/v1/verify", fmt.Sprintf(`{"signature":"%s","content":"%s","con\u0074ent":"%s"}`, b(sig), b(forged), b(content))},
		{"content twice, other case", "/v1/verify", fmt.Sprintf(`{"signature":"%s","content":"%s","Content":"%s"}`, b(sig), b(forged), b(content))},
		{"signature twice, long s", "/v1/verify", fmt.Sprintf(`{"signature":"%s","ſignature":"%s","content":"%s"}`, b(sig), b(sig), b(content))},
		{"requireRole twice", "/v1/verify", fmt.Sprintf(`{"signature":"%s","content":"%s","requireRole":["薬剤師"],"requireRole":["医師"]}`, b(sig), b(content))},
		{"inspect pem twice", "/v1/cert/inspect", `{"pem":"x","pem":"y"}`},
		{"timestamp content twice", "/v1/timestamp", `{"content":"AA==","content":"AQ=="}`},
		{"extend to twice", "/v1/extend", fmt.Sprintf(`{"signature":"%s","to":"LTA","to":"LT"}`, b(sig))},
		{"login nonce twice", auth.PathLogin, `{"nonce":"a","nonce":"b"}`},
	} {
		code, e, raw := postRaw(t, f, c.path, "application/json", []byte(c.body))
		if code != http.StatusBadRequest || !strings.Contains(e.Error, "given twice") {
			t.Errorf("%s: %d %s, want 400 naming the key given twice", c.name, code, raw)
		}
	}
	// Distinct keys with equal values, and equal keys in distinct objects,
	// are fine.
	for _, s := range []string{`{"a":{"x":1},"b":{"x":1}}`, `[{"x":1},{"x":2}]`, `{"a":[{"x":1,"y":{"x":2}}],"x":3}`, `{"k":1,"K":1}`} {
		if err := checkNoDuplicateKeys([]byte(s)); err != nil && s != `{"k":1,"K":1}` {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{`{"a":{"x":1,"x":2}}`, `[{"y":[{"x":1,"x":2}]}]`, `{"k":1,"K":1}`, `{"k":1,"\u212a":1}`, `{"a":1,"b":[1,{"c":2}],"a":3}`} {
		if err := checkNoDuplicateKeys([]byte(s)); err == nil {
			t.Errorf("%s: duplicate not found", s)
		}
	}
	// The honest request still passes.
	var rep verify.Report
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig, Content: content}, &rep); code != 200 || rep.Indication != verify.TotalPassed {
		t.Fatalf("honest verify: %d %s", code, rep.Indication)
	}
}

// TestEmptyRequireRole: an empty or blank role (JSON [""], [" "], an empty
// multipart part, on verify and sign) is 400 like an unknown role, never
// the requirement that accepts everyone.
func TestEmptyRequireRole(t *testing.T) {
	f := newFixture(t, nil)
	content := []byte("letter")
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: f.p.Pharmacist.Key, Certificate: f.p.Pharmacist.Cert, Chain: f.p.Pharmacist.Chain}, sign.CAdESOptions{Level: sign.LevelB})
	if err != nil {
		t.Fatal(err)
	}
	for _, roles := range [][]string{{""}, {" "}, {"医師", ""}, {"医師,"}} {
		var e auth.ErrorBody
		if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: res.Signature, Content: content, RequireRole: roles}, &e); code != 400 || !strings.Contains(e.Error, "empty HPKI role") {
			t.Errorf("verify requireRole %q: %d %+v, want 400", roles, code, e)
		}
	}
	for _, role := range []string{"", " "} {
		body, ctype := form(t, map[string][]byte{"signature": res.Signature, "content": content, "requireRole": []byte(role)}, nil)
		if code, e, _ := postRaw(t, f, "/v1/verify", ctype, body); code != 400 || !strings.Contains(e.Error, "empty HPKI role") {
			t.Errorf("multipart requireRole %q: %d %+v, want 400", role, code, e)
		}
	}
	tok := f.login(t, f.p.DoctorAuth)
	var e auth.ErrorBody
	if code := f.call(t, "POST", "/v1/sign", tok, SignRequest{Content: content, RequireRole: []string{""}}, &e); code != 400 {
		t.Errorf("sign requireRole [\"\"]: %d %+v, want 400", code, e)
	}
	// A real requirement still refuses the pharmacist.
	var rep verify.Report
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: res.Signature, Content: content, RequireRole: []string{"医師"}}, &rep); code != 200 || rep.Indication == verify.TotalPassed {
		t.Fatalf("pharmacist under 医師: %d %s", code, rep.Indication)
	}
}

// form builds a multipart/form-data body; extra adds header lines to the
// named part.
func form(t *testing.T, parts map[string][]byte, extra map[string]textproto.MIMEHeader) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range []string{"signature", "content", "contentName", "requireRole"} {
		data, ok := parts[name]
		if !ok {
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="f"`, name))
		for k, v := range extra[name] {
			h[k] = v
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// TestMultipartTransferEncoding: a part with a Content-Transfer-Encoding
// (quoted-printable, base64, even 7bit) is 400: what is verified is the
// bytes sent, never a decoding Go's mime/multipart would apply silently.
func TestMultipartTransferEncoding(t *testing.T) {
	f := newFixture(t, nil)
	content, sig := f.letter(t)
	qp := bytes.Replace(content, []byte("referral"), []byte("=72eferral"), 1) // quoted-printable of content
	for _, cte := range []string{"quoted-printable", "QUOTED-PRINTABLE", "base64", "7bit", ""} {
		for _, part := range []string{"content", "signature"} {
			data := map[string][]byte{"signature": sig, "content": qp}
			body, ctype := form(t, data, map[string]textproto.MIMEHeader{part: {"Content-Transfer-Encoding": {cte}}})
			code, e, raw := postRaw(t, f, "/v1/verify", ctype, body)
			if code != 400 || !strings.Contains(e.Error, "Content-Transfer-Encoding") {
				t.Errorf("%s part with CTE %q: %d %s, want 400", part, cte, code, raw)
			}
		}
	}
	// Without it, the raw bytes are verified: the literal "=72eferral" is
	// not the signed content.
	body, ctype := form(t, map[string][]byte{"signature": sig, "content": qp}, nil)
	var rep verify.Report
	code, _, raw := postRaw(t, f, "/v1/verify", ctype, body)
	if err := json.Unmarshal(raw, &rep); err != nil || code != 200 || rep.Indication == verify.TotalPassed {
		t.Fatalf("raw quoted-printable bytes: %d %s", code, rep.Indication)
	}
	body, ctype = form(t, map[string][]byte{"signature": sig, "content": content}, nil)
	code, _, raw = postRaw(t, f, "/v1/verify", ctype, body)
	if err := json.Unmarshal(raw, &rep); err != nil || code != 200 || rep.Indication != verify.TotalPassed {
		t.Fatalf("honest multipart: %d %s", code, rep.Indication)
	}
}
