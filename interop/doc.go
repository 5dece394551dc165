// Package interop holds tests that run hpki against independent
// implementations in other languages (the npm packages xadesjs and
// @signpdf, installed in interop/node by `make deps`). It has no code of
// its own: each test gives a peer what hpki produced, or gives hpki what
// the peer produced.
//
// A missing peer fails the tests when CI=true and skips them loudly
// otherwise (see internal/peer).
package interop
