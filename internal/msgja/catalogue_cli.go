package msgja

// cliJa holds the messages of hpki verify (cmd/hpki: verify.go, common.go,
// output.go, pdf.go, extract.go). The command translates its usage errors
// first (cmd/hpki/i18n_ja.go, jaErrors); these entries give the same
// Japanese.
var cliJa = map[string]string{
	`--crl %s: not a CRL: %v`:       `--crl %s: CRL ではありません: %v`,
	`--ocsp: %w`:                    `--ocsp: %w`,
	`%d CRLs in the file, want one`: `ファイルに CRL が %d 個あります（1 個のはずです）`,
	`--trust: %w`:                   `--trust: %w`,
	`--intermediates: %w`:           `--intermediates: %w`,
	`--at: want an RFC 3339 time such as 2030-01-02T15:04:05+09:00: %w`:                `--at: 2030-01-02T15:04:05+09:00 のような RFC 3339 の時刻を指定してください: %w`,
	`--max-revocation-age %s: must not be negative`:                                    `--max-revocation-age %s: 負の値は指定できません`,
	`--resolve %q: want HOST=ADDR`:                                                     `--resolve %q: HOST=ADDR の形で指定してください`,
	`--resolve %q: ADDR must be host:port`:                                             `--resolve %q: ADDR は host:port の形です`,
	`--output must be text, json or jsonl, not %q (the output file is -o/--out)`:       `--output は text、json、jsonl のいずれかです（%q ではありません。出力ファイルは -o/--out）`,
	`%s: a PDF carries what its signatures cover: --content and --covers do not apply`: `%s: PDF は署名対象を自身に含みます: --content と --covers は使えません`,
	`%s: no signatures in this PDF`:                                                    `%s: この PDF には署名がありません`,
	`--extract: %s exists: choose an empty folder`:                                     `--extract: %s は既に存在します: 空のフォルダを指定してください`,
	`--extract: %w`:            `--extract: %w`,
	`%s: larger than %d bytes`: `%s: %d バイトを超えています`,
	`--content: %w`:            `--content: %w`,
	`--covers applies to XAdES (XML) signatures only`: `--covers は XAdES（XML）署名にだけ使えます`,
	`--require-role: %w`:                              `--require-role: %w`,
	`stdin (-) can be read only once`:                 `標準入力（-）は 1 回しか読めません`,
	`--crl: %w`:                                       `--crl: %w`,
	`--tsa-trust: %w`:                                 `--tsa-trust: %w`,
	`reading stdin: %w`:                               `標準入力の読み込み: %w`,
	`stdin: larger than %d bytes`:                     `標準入力: %d バイトを超えています`,
	`input: %w`:                                       `入力: %w`,
}
