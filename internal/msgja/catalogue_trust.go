package msgja

// trustJa holds the messages of package trust.
var trustJa = map[string]string{
	`%s: too large for a certificate file`:             `%s: 証明書ファイルとしては大きすぎます`,
	`%w: DER element %d: %v`:                           `%w: DER 要素 %d: %v`,
	`%w: the PEM blocks are %s`:                        `%w: PEM ブロックは %s です`,
	`expected one certificate, found %d`:               `証明書は 1 つのはずですが、%d 個あります`,
	`more than %d certificates in one file`:            `1 つのファイルに証明書が %d 個を超えてあります`,
	`no certificates found in the trust anchors given`: `指定された信頼アンカーに証明書がありません`,
	`no valid path to a trust anchor at %s: %w`:        `%s 時点で信頼アンカーへの有効な証明書パスがありません: %w`,
	`not a certificate (expected PEM "CERTIFICATE" blocks, DER, or a PKCS#7 certificate bundle)`: `証明書ではありません（PEM の "CERTIFICATE" ブロック、DER、PKCS#7 証明書バンドルのいずれかが必要です）`,
	`parsing PEM %s bundle: %w`:              `PEM %s バンドルの解析: %w`,
	`parsing PEM certificate %d: %w`:         `PEM 証明書 %d の解析: %w`,
	`parsing PEM trusted certificate %d: %w`: `PEM 信頼済み証明書 %d の解析: %w`,
	`reading certificate %s: %w`:             `証明書 %s の読み込み: %w`,
	`reading certificate directory: %w`:      `証明書ディレクトリの読み込み: %w`,
	`reading certificate: %w`:                `証明書の読み込み: %w`,
	`reading certificates: %w`:               `証明書の読み込み: %w`,
	`the bundle holds no certificate`:        `バンドルに証明書がありません`,
	`the file marks this certificate as rejected (OpenSSL trust settings): not used`:                                                                                          `ファイルがこの証明書を拒否済みとしています（OpenSSL の信頼設定）: 使いません`,
	`trust anchor %q has no basicConstraints extension: used as an anchor (RFC 5280 §6.1.1: an anchor is a name and a key), but it is no CA certificate by its own statement`: `信頼アンカー %q に basicConstraints 拡張がありません: 信頼アンカーとしては使います（RFC 5280 §6.1.1: 信頼アンカーは名前と鍵です）が、証明書自身は CA 証明書だと述べていません`,
	`unreadable trust settings after the certificate`:                                                                                                                         `証明書の後ろの信頼設定を読み取れません`,
}
