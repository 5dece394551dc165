#!/usr/bin/env python3
# Writes serve/openapi.json (the OpenAPI document of hpki serve). Run from the
# repository root after changing the API; serve/openapi_test.go checks the
# result against the Go types and routes.
import json
S=lambda **k: dict(type="string",**k)
B=lambda d: {"type":"string","format":"byte","description":d}
T=lambda d="": {"type":"string","format":"date-time", **({"description":d} if d else {})}
A=lambda it,d=None: {"type":"array","items":it, **({"description":d} if d else {})}
R=lambda n: {"$ref":"#/components/schemas/"+n}
strs=A({"type":"string"})
def obj(props, req=(), desc=None):
    o={"type":"object","properties":props,"additionalProperties":False}
    if req: o["required"]=list(req)
    if desc: o["description"]=desc
    return o
ind={"type":"string","enum":["TOTAL_PASSED","TOTAL_FAILED","INDETERMINATE"]}
schemas={
 "Status": obj({"status":S()},["status"]),
 "Error": obj({"error":S(description="one line, for people"),"reason":S(description="machine-readable refusal reason of a login (unknown_nonce, expired, wrong_origin, clock_skew, bad_signature, not_login_certificate, certificate_invalid, revoked, role, busy, malformed)")},["error"]),
 "VerifyRequest": obj({"signature":B("the signature file: CAdES (DER, BER or PEM), an XAdES XML document, or a signed PDF (PAdES: every signature and document timestamp in it; no content then), detected by content"),"content":B("the detached signed content"),"contentName":S(description="name of content (detached XAdES references, covers)"),"requireRole":A(S(),"roles (English or Japanese) of which the signer must hold one")},["signature"]),
 "VerifyForm": obj({"signature":{"type":"string","format":"binary","description":"the signature file, raw bytes"},"content":{"type":"string","format":"binary","description":"the detached content, raw bytes"},"contentName":S(),"requireRole":A(S(),"repeat the part for several roles")},["signature"],"multipart/form-data form of VerifyRequest, without base64: curl -F signature=@letter.txt.p7s -F content=@letter.txt. Parts are raw bytes: a part with a Content-Transfer-Encoding header is refused (RFC 7578 section 4.7)"),
 "Report": obj({"indication":ind,"subIndication":S(),"format":S(enum=["CAdES","XAdES","PAdES"]),"validationTime":T(),"signatures":A(R("SignatureReport")),"errors":strs},["indication","validationTime","signatures"],"exactly the JSON of `hpki verify --output json`"),
 "SignatureReport": obj({"id":S(),"kind":S(enum=["documentTimestamp"],description="absent for a signature; a PDF document timestamp (a TSA, not a signer)"),"indication":ind,"subIndication":S(),"level":S(description="e.g. CAdES-BASELINE-T"),"signer":R("Signer"),"claimedSigningTime":T("the signer's own claim, never used for validation"),"bestSignatureTime":T(),"timestamps":A(R("Timestamp")),"renewBy":T(),"covers":strs,"signaturePolicy":S(),"digestAlgorithm":S(),"revocation":A(R("RevocationCheck")),"errors":strs,"warnings":strs,"signedData":A({"type":"object"})},["indication","signer","bestSignatureTime"]),
 "Signer": obj({"subject":S(),"subjectJa":S(),"issuer":S(),"serial":S(),"roles":A(R("SignerRole")),"hpki":S(enum=["signing","authentication","none"]),"notBefore":T(),"notAfter":T()},["subject","roles","hpki"]),
 "SignerRole": obj({"code":S(description="English role as the certificate spells it"),"ja":S(description="Japanese name from the catalogue"),"scheme":S(description="codingSchemeReference OID")},["code","scheme"]),
 "Role": obj({"code":S(),"ja":S(),"scheme":S(),"kind":S()},["code","scheme"]),
 "Timestamp": obj({"type":S(enum=["signature","archive","archive-v2","esc","certcrl","content","document"]),"genTime":T(),"tsa":S(),"indication":ind,"subIndication":S(),"errors":strs,"revocation":A(R("RevocationCheck"))},["type","genTime","tsa","indication"]),
 "RevocationCheck": obj({"certificate":S(),"status":S(),"source":S(),"origin":S(),"thisUpdate":T(),"revokedAt":T(),"at":T()},["certificate","status","at"]),
 "SignRequest": obj({"content":B("the document to sign (a PDF for pades)"),"format":S(enum=["cades","xades","pades"],description="cades (default), xades (an XML document, enveloped) or pades (a PDF, signed in an incremental update)"),"level":S(enum=["B","T"]),"packaging":S(enum=["detached","enveloping","enveloped"]),"requireRole":strs},["content"]),
 "SignResponse": obj({"signature":B("the signature (CAdES DER, the signed XML document, or the whole signed PDF)"),"format":S(),"level":S(),"signer":R("CertificateInfo"),"timestampTime":T(),"warnings":strs},["signature","format","level","signer"]),
 "ExtendRequest": obj({"signature":B("the signature to extend: CAdES, XAdES, or a signed PDF (every signature in it; no content then), detected by content"),"content":B("the detached content"),"contentName":S(),"to":S(enum=["LT","LTA"])},["signature","to"]),
 "ExtendResponse": obj({"signature":B("the extended signature (for a PDF, the whole extended file)"),"level":S(),"report":R("Report")},["signature","level","report"]),
 "TimestampRequest": obj({"content":B("the data to timestamp (hashed with SHA-256)")},["content"]),
 "TimestampResponse": obj({"token":B("RFC 3161 TimeStampToken (DER)"),"genTime":T(),"tsa":S()},["token","genTime","tsa"]),
 "InspectRequest": obj({"certificate":B("DER"),"pem":S(description="PEM text")}),
 "CertificateInfo": obj({"subject":S(),"subjectJa":S(),"organizationJa":S(),"issuer":S(),"serial":S(),"notBefore":T(),"notAfter":T(),"hpki":S(enum=["signing","authentication","none"]),"hpkiReasons":strs,"roles":A(R("Role")),"policies":strs,"keyUsage":strs,"extKeyUsage":strs,"isCA":{"type":"boolean"},"publicKey":S(),"crlDistributionPoints":strs,"ocsp":strs,"sha256":S(),"roleErrors":strs},["subject","issuer","serial","hpki","roles","sha256"],"exactly the JSON of `hpki cert inspect --output json`"),
 "Challenge": obj({"nonce":S(description="one-time, base64url, 256 bits"),"origin":S(description="the server's origin"),"expires":T()},["nonce","origin","expires"]),
 "LoginRequest": obj({"origin":S(description="the origin the client connected to"),"nonce":S(),"time":S(description="the client's clock, 2006-01-02T15:04:05Z"),"certificate":B("the authentication certificate (DER)"),"chain":A({"type":"string","format":"byte"},"its CA certificates (DER)"),"signature":B("RSASSA-PKCS1-v1_5 SHA-256 (or ECDSA SHA-256) over the to-be-signed text: \"hpki-login-v1\\norigin=ORIGIN\\nnonce=NONCE\\ntime=TIME\"")},["origin","nonce","time","certificate","signature"]),
 "Session": obj({"token":S(description="send as Authorization: Bearer TOKEN"),"expires":T(),"identity":R("Identity")},["token","expires","identity"]),
 "Identity": obj({"subject":S(),"subjectJa":S(),"organization":S(),"organizationJa":S(),"holderId":S(),"roles":A(R("Role")),"issuer":S(),"serial":S(),"certificateSha256":S(),"notAfter":T(),"warnings":strs},["subject","roles","issuer","serial","certificateSha256","notAfter"]),
}
def resp(ref, desc="OK", extra=None):
    r={"200":{"description":desc,"content":{"application/json":{"schema":R(ref)}}}}
    for code,d in (extra or {}).items():
        r[code]={"description":d,"content":{"application/json":{"schema":R("Error")}}}
    return r
def body(ref): return {"required":True,"content":{"application/json":{"schema":R(ref)}}}
common={"400":"malformed request (also: a JSON key given twice, a multipart part with a Content-Transfer-Encoding, an empty role)","408":"request body arrived too slowly","413":"request body too large","503":"busy or too slow"}
bearer=[{"bearer":[]},{"clientCertificate":[]}]
paths={
 "/healthz":{"get":{"operationId":"healthz","summary":"Liveness (no card or HSM needed)","responses":resp("Status")}},
 "/readyz":{"get":{"operationId":"readyz","summary":"Readiness","responses":resp("Status","ready",{"503":"not ready"})}},
 "/openapi.json":{"get":{"operationId":"openapi","summary":"This document","responses":{"200":{"description":"OpenAPI 3 document","content":{"application/json":{"schema":{"type":"object"}}}}}}},
 "/metrics":{"get":{"operationId":"metrics","summary":"Prometheus metrics","responses":{"200":{"description":"Prometheus text format","content":{"text/plain":{"schema":{"type":"string"}}}}}}},
 "/v1/verify":{"post":{"operationId":"verify","summary":"Validate a CAdES, XAdES or PAdES (signed PDF) signature (the report of hpki verify --output json; the verdict is in indication)","requestBody":{"required":True,"content":{"application/json":{"schema":R("VerifyRequest")},"multipart/form-data":{"schema":R("VerifyForm")}}},"responses":resp("Report","validated (any indication)",dict(common,**{"422":"not a signature"}))}},
 "/v1/sign":{"post":{"operationId":"sign","summary":"Sign a document (CAdES, XAdES, or a PDF: PAdES) with the authenticated user's server-held key","security":bearer,"requestBody":body("SignRequest"),"responses":resp("SignResponse","signed",dict(common,**{"401":"not logged in","403":"no key of this user, or refused","409":"several keys: choose with requireRole","422":"cannot sign this content"}))}},
 "/v1/extend":{"post":{"operationId":"extend","summary":"Extend a valid signature, or every signature of a PDF, to B-LT or B-LTA","requestBody":body("ExtendRequest"),"responses":resp("ExtendResponse","extended",dict(common,**{"422":"not valid now: not extended"}))}},
 "/v1/timestamp":{"post":{"operationId":"timestamp","summary":"RFC 3161 timestamp from the server's TSA","requestBody":body("TimestampRequest"),"responses":resp("TimestampResponse","timestamped",dict(common,**{"501":"no TSA configured","502":"the TSA failed"}))}},
 "/v1/cert/inspect":{"post":{"operationId":"inspectCertificate","summary":"Describe a certificate (hpki cert inspect --output json)","requestBody":body("InspectRequest"),"responses":resp("CertificateInfo","described",common)}},
 "/v1/auth/challenge":{"post":{"operationId":"authChallenge","summary":"A one-time login nonce bound to this server's origin","responses":resp("Challenge","issued",{"501":"login not enabled","503":"too many outstanding challenges"})}},
 "/v1/auth/login":{"post":{"operationId":"authLogin","summary":"Log in with the card's authentication key: signature over the challenge","requestBody":body("LoginRequest"),"responses":resp("Session","logged in",dict(common,**{"401":"refused (see reason)"}))}},
 "/v1/auth/session":{"get":{"operationId":"authSession","summary":"Who is logged in","security":bearer,"responses":resp("Identity","the user",{"401":"not logged in"})}},
 "/v1/auth/logout":{"post":{"operationId":"authLogout","summary":"End the session","security":[{"bearer":[]}],"responses":resp("Status","logged out")}},
}
doc={"openapi":"3.1.0","info":{"title":"hpki serve","version":"1","description":"HPKI signatures and authentication over HTTP/JSON. Binary fields are base64 (standard alphabet). Every error body is the Error schema."},
 "paths":paths,"components":{"schemas":schemas,"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","description":"session token from /v1/auth/login"},"clientCertificate":{"type":"mutualTLS","description":"HPKI authentication certificate in the TLS handshake (hpki serve --client-certificates; OpenAPI 3.1 name, informative)"}}}}
open("serve/openapi.json","w").write(json.dumps(doc,indent=2,ensure_ascii=False)+"\n")
