package serve_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/serve"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// A verification service for the test HPKI (no login, no keys): a
// certificate inspection through the API. In production, run it with
// Server.Serve (timeouts, graceful shutdown) and TLSConfig.
func ExampleNew() {
	certs := filepath.Join("..", "testdata", "certs")
	anchors, err := trust.Load(filepath.Join(certs, "root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	director, err := trust.ReadFile(filepath.Join(certs, "director.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := serve.New(serve.Config{Verify: verify.Options{Trust: anchors}})
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := json.Marshal(serve.InspectRequest{Certificate: director[0].Raw})
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/cert/inspect", strings.NewReader(string(body))))
	var info struct {
		HPKI  string `json:"hpki"`
		Roles []struct {
			Ja string `json:"ja"`
		} `json:"roles"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &info)
	fmt.Println(w.Code, info.HPKI, info.Roles[0].Ja, info.Roles[1].Ja)
	// Output: 200 signing 医師 病院長
}
