package main

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hpki-jp/hpki/internal/msgja"
)

// jaHelp translates help texts (command Short and Long texts, flag usages)
// into Japanese, keyed by the exact English text. A text without an entry
// stays English, so a new command or flag is never hidden; add its
// translation here when adding it.
var jaHelp = map[string]string{
	// Commands.
	"Sign and verify clinical documents with HPKI credentials":                                          "HPKI 資格で診療文書に署名し、署名を検証します",
	"Re-verify and renew stored signatures in bulk":                                                     "保存された署名を一括で再検証・更新します",
	"Extend to B-LTA every valid record that is not B-LTA or whose renewal deadline is near":            "有効な記録のうち B-LTA でないもの・更新期限が近いものを B-LTA に延長します",
	"Validate every signature file under PATH, in parallel, one line each":                              "PATH 以下のすべての署名ファイルを並行して検証し、1 件 1 行で表示します",
	"HPKI IC cards and other PKCS#11 tokens":                                                            "HPKI カードとその他の PKCS#11 トークン",
	"List tokens and the certificates on them with their HPKI roles":                                    "トークンとその証明書（HPKI 資格つき）を一覧表示します",
	"Inspect and verify HPKI certificates":                                                              "HPKI 証明書を表示・検証します",
	"Show a certificate: names in romaji and Kanji, HPKI kind and roles":                                "証明書を表示します：ローマ字・漢字の氏名、HPKI 種別と資格",
	"Check a certificate's path to a trust anchor and its HPKI profile":                                 "証明書のトラストアンカーへの検証パスと HPKI プロファイルを確認します",
	"Add validation data (LT) and archive timestamps (LTA) so a signature stays verifiable for decades": "検証データ（LT）とアーカイブタイムスタンプ（LTA）を加え、署名を数十年検証できるようにします",
	"Run a local OCSP responder and CRL server (demos and tests)":                                       "ローカルの OCSP レスポンダと CRL サーバを動かします（デモ・テスト用）",
	"Answer OCSP requests for one CA, and serve its CRL, over HTTP on a local address":                  "1 つの CA の OCSP 要求に応答し、その CRL をローカルアドレスの HTTP で配布します",
	"Sign documents (CAdES, XAdES or PAdES) with an HPKI card or a software key":                        "HPKI カードまたはソフトウェア鍵で文書に署名します（CAdES、XAdES または PAdES）",
	"Get a bare RFC 3161 timestamp of a file (as openssl ts -query/-reply do)":                          "ファイルの RFC 3161 タイムスタンプを取得します（openssl ts -query/-reply と同様）",
	"Check a bare RFC 3161 timestamp of a file (as openssl ts -verify does)":                            "ファイルの RFC 3161 タイムスタンプを検証します（openssl ts -verify と同様）",
	"Run a local RFC 3161 timestamp authority (demos and tests)":                                        "ローカルの RFC 3161 タイムスタンプ局を動かします（デモ・テスト用）",
	"Serve RFC 3161 timestamps over HTTP on a local address":                                            "ローカルアドレスの HTTP で RFC 3161 タイムスタンプを発行します",
	"Validate a signature: who signed, as what HPKI role, when, and what it covers":                     "署名を検証します：誰が、どの HPKI 資格で、いつ、何に署名したか",
	"Print the hpki version, commit and build date":                                                     "hpki のバージョン、コミット、ビルド日時を表示します",
	"Help about any command":                                       "コマンドのヘルプを表示します",
	"Generate the autocompletion script for the specified shell":   "指定したシェル用の補完スクリプトを生成します",
	"HPKI IC cards and other PKCS#11 tokens (not in this build)":   "HPKI カードとその他の PKCS#11 トークン（この版では使えません）",
	"List tokens and the certificates on them (not in this build)": "トークンと証明書の一覧（この版では使えません）",

	// The root command's description.
	`hpki signs clinical documents (referral letters, prescriptions, reports)
with an HPKI IC card or a software key, timestamps the signatures, checks the
HPKI role in the signer's certificate (医師, 薬剤師, 病院長 …) and validates
CAdES, XAdES and PAdES (PDF) signatures for the long term.

Exit codes: 0 success (TOTAL_PASSED), 1 failure (TOTAL_FAILED),
2 INDETERMINATE, 3 usage error or unreadable input.`: `hpki は診療文書（紹介状、処方箋、報告書）に HPKI カードまたはソフトウェア鍵で
署名し、署名にタイムスタンプを付け、署名者の証明書の HPKI 資格（医師、薬剤師、
病院長 …）を確認し、CAdES・XAdES・PAdES（PDF）署名を長期にわたって検証します。

終了コード: 0 成功（TOTAL_PASSED）、1 失敗（TOTAL_FAILED）、
2 判定不能（INDETERMINATE）、3 使い方の誤り・入力を読めない。

--lang en で英語表示になります（既定は LC_ALL/LC_MESSAGES/LANG から）。`,

	// Flags.
	"language of help, messages and text reports: en or ja (default from LC_ALL/LC_MESSAGES/LANG)":                     "ヘルプ・メッセージ・テキストレポートの言語: en または ja（既定は LC_ALL/LC_MESSAGES/LANG から）",
	"report format printed on stdout: text, json or jsonl (one JSON object per line); files written are named with -o": "標準出力のレポート形式: text、json、jsonl（1 行に 1 つの JSON）。書き出すファイルは -o で指定",
	"validate as of this time (RFC 3339), default now":                                                                 "この時刻（RFC 3339）の時点で検証（既定は現在）",
	"a CRL (PEM or DER) to use as revocation data (repeatable)":                                                        "失効情報として使う CRL（PEM または DER、複数可）",
	"an OCSP response (DER) to use as revocation data (repeatable)":                                                    "失効情報として使う OCSP 応答（DER、複数可）",
	"only report what would be renewed":                                                                                "更新対象を表示するだけで更新しない",
	"also replace read-only records":                                                                                   "読み取り専用の記録も置き換える",
	"extra intermediate CA certificates (and the signer's certificate of an XML signature whose KeyInfo holds only its key): PEM/DER file or directory (repeatable)": "追加の中間 CA 証明書（KeyInfo に鍵しかない XML 署名では署名者の証明書も）: PEM/DER ファイルまたはディレクトリ（複数可）",
	"files handled at once (default: the number of CPUs)":                                                                   "同時に処理するファイル数（既定: CPU 数）",
	"refuse revocation data issued longer than this before the time it must prove (e.g. 168h); 0: only the freshness rules": "証明すべき時刻よりこの期間以上前に発行された失効情報を拒否（例 168h）。0: 鮮度規則のみ",
	"never fetch revocation data: use only what the signature embeds and --crl/--ocsp give":                                 "失効情報を取得しない: 署名に含まれるものと --crl/--ocsp で与えたものだけを使う",
	"HOST=ADDR: fetch revocation data for HOST from ADDR (host:port), e.g. a local responder (repeatable)":                  "HOST=ADDR: HOST の失効情報を ADDR（host:port、例えばローカルのレスポンダ）から取得（複数可）",
	"trust anchors: PEM/DER file or directory (repeatable; default: the embedded MHLW HPKI Root CA V2)":                     "トラストアンカー: PEM/DER ファイルまたはディレクトリ（複数可。既定: 内蔵の厚生労働省 HPKI ルート認証局 V2）",
	"RFC 3161 TSA URL for the archive timestamps":                                                                           "アーカイブタイムスタンプ用の RFC 3161 TSA の URL",
	"TSA request timeout": "TSA 要求のタイムアウト",
	"trust anchors for TSA certificates (default: --trust)":                                                               "TSA 証明書のトラストアンカー（既定: --trust）",
	"trust anchors for the TSA certificate (default: --trust)":                                                            "TSA 証明書のトラストアンカー（既定: --trust）",
	"TSA basic-auth user (password from env HPKI_TSA_PASSWORD)":                                                           "TSA の Basic 認証ユーザ（パスワードは環境変数 HPKI_TSA_PASSWORD）",
	"renew records whose deadline falls within this duration":                                                             "更新期限がこの期間内に来る記録を更新する",
	"PKCS#11 library (or env HPKI_PKCS11_MODULE)":                                                                         "PKCS#11 ライブラリ（または環境変数 HPKI_PKCS11_MODULE）",
	"PKCS#11 library (not in this build)":                                                                                 "PKCS#11 ライブラリ（この版では使えません）",
	"do not require the HPKI profile, only a valid path":                                                                  "HPKI プロファイルを要求せず、検証パスだけを確認する",
	"check as of this time (RFC 3339), default now":                                                                       "この時刻（RFC 3339）の時点で確認（既定は現在）",
	"the signed file, for a detached signature (needed for LTA)":                                                          "署名対象ファイル（デタッチド署名の場合。LTA には必要）",
	"overwrite an existing output file":                                                                                   "既存の出力ファイルを上書きする",
	"overwrite existing output files":                                                                                     "既存の出力ファイルを上書きする",
	"hash of the archive timestamps: sha256, sha384 or sha512 (renew with a stronger one when SHA-256 weakens)":           "アーカイブタイムスタンプのハッシュ: sha256、sha384、sha512（SHA-256 が弱くなったらより強いもので更新）",
	"replace SIG atomically with the extended signature":                                                                  "SIG を延長した署名でアトミックに置き換える",
	"output file (default SIG with .lt/.lta before its extension; - for stdout, the report then goes to stderr)":          "出力ファイル（既定: SIG の拡張子の前に .lt/.lta。- で標準出力、その場合レポートは標準エラー）",
	"target level: LT or LTA (LTA on an LTA signature renews it)":                                                         "目標レベル: LT または LTA（LTA 署名に LTA を指定すると更新）",
	"RFC 3161 TSA URL for archive (and missing signature) timestamps":                                                     "アーカイブ（および欠けている署名）タイムスタンプ用の RFC 3161 TSA の URL",
	"listen address (port 0: chosen by the system)":                                                                       "待ち受けアドレス（ポート 0: システムが選ぶ）",
	"responder certificate (the CA, or delegated with id-kp-OCSPSigning)":                                                 "レスポンダ証明書（CA 自身、または id-kp-OCSPSigning の委任証明書）",
	"the CA's CRL (PEM or DER): its entries are the revoked certificates, and it is served":                               "CA の CRL（PEM または DER）: その項目が失効証明書となり、配布もされる",
	"the CA whose certificates are answered for":                                                                          "応答対象の証明書を発行した CA",
	"responder private key":                                                                                               "レスポンダの秘密鍵",
	"allow non-HPKI or authentication certificates (with a warning)":                                                      "HPKI 以外の証明書や認証用証明書を許可する（警告つき）",
	"XAdES canonicalization: exc (exclusive C14N), c14n (inclusive 1.0) or c14n11 (1.1)":                                  "XAdES の正規化: exc（排他的 C14N）、c14n（包含的 1.0）、c14n11（1.1）",
	"signer certificate (with --key)":                                                                                     "署名者証明書（--key と共に）",
	"CA certificates to include (repeatable)":                                                                             "署名に含める CA 証明書（複数可）",
	"signature format: auto (by content: xades for XML, pades for PDF, cades for other files), cades, xades or pades":     "署名形式: auto（内容で判定: XML は xades、PDF は pades、その他は cades）、cades、xades、pades",
	"PDF: a visible signature at PAGE,X,Y,W,H (points from the lower-left corner) showing name, role and time":            "PDF: PAGE,X,Y,W,H（左下からのポイント）に氏名・資格・時刻を表示する可視署名",
	"PDF: sign the empty signature field of this name (or name the new field)":                                            "PDF: この名前の空の署名フィールドに署名（または新しいフィールドの名前）",
	"PDF: the reason for signing (/Reason)":                                                                               "PDF: 署名の理由（/Reason）",
	"PDF: where the signature was made (/Location)":                                                                       "PDF: 署名した場所（/Location）",
	"PDF: certify the document with DocMDP permissions 1 (no changes), 2 (form filling, signing) or 3 (also annotations)": "PDF: DocMDP の許可で文書を証明: 1（変更不可）、2（フォーム入力・署名）、3（注釈も）",
	"digest: sha256, sha384 or sha512":                                                                                    "ダイジェスト: sha256、sha384、sha512",
	"private key file (PEM/DER, unencrypted)":                                                                             "秘密鍵ファイル（PEM/DER、暗号化なし）",
	"find the key by this label when it cannot be found by its certificate":                                               "証明書から鍵が見つからないとき、このラベルで探す",
	"baseline level: B, T, LT or LTA (T and up need --tsa; default T with --tsa, else B)":                                 "ベースラインレベル: B、T、LT、LTA（T 以上は --tsa が必要。既定は --tsa があれば T、なければ B）",
	"XAdES: add a DataObjectFormat with this MIME type for the signed data":                                               "XAdES: 署名対象データにこの MIME タイプの DataObjectFormat を付ける",
	"output file (one input only; default FILE.p7s; - for stdout, the report then goes to stderr)":                        "出力ファイル（入力が 1 つのときのみ。既定 FILE.p7s。- で標準出力、その場合レポートは標準エラー）",
	"PKCS#12 file with key and certificates":                                                                              "鍵と証明書を含む PKCS#12 ファイル",
	"CAdES: detached (default) or enveloping; XAdES: enveloped (default), enveloping or detached":                         "CAdES: detached（既定）または enveloping。XAdES: enveloped（既定）、enveloping、detached",
	"file holding the PKCS#12 password (else env HPKI_P12_PASSWORD, else prompt)":                                         "PKCS#12 パスワードを含むファイル（なければ環境変数 HPKI_P12_PASSWORD、なければ入力を求める）",
	"file holding the card PIN (else env HPKI_PIN, else prompt)":                                                          "カード PIN を含むファイル（なければ環境変数 HPKI_PIN、なければ入力を求める）",
	"PKCS#11 library of the HPKI card (or env HPKI_PKCS11_MODULE)":                                                        "HPKI カードの PKCS#11 ライブラリ（または環境変数 HPKI_PKCS11_MODULE）",
	"signature policy OID (CAdES-EPES)":                                                                                   "署名ポリシー OID（CAdES-EPES）",
	"use RSASSA-PSS instead of PKCS#1 v1.5":                                                                               "PKCS#1 v1.5 の代わりに RSASSA-PSS を使う",
	"XAdES: also sign ds:KeyInfo, as the e-prescription profile does":                                                     "XAdES: 電子処方箋プロファイルと同様に ds:KeyInfo にも署名する",
	"refuse unless the certificate has this HPKI role (repeatable, any of; English or Japanese)":                          "証明書にこの HPKI 資格がなければ拒否（複数可、いずれか。英語または日本語）",
	"token label (e.g. \"HPKI Application\")":                                                                             "トークンラベル（例 \"HPKI Application\"）",
	"token serial number":        "トークンのシリアル番号",
	"RFC 3161 TSA URL (level T)": "RFC 3161 TSA の URL（レベル T）",
	"XAdES enveloped: sign only the element with this Id (default: the whole document)": "XAdES enveloped: この Id の要素だけに署名（既定: 文書全体）",
	"output file (default FILE.tsr; - for stdout)":                                      "出力ファイル（既定 FILE.tsr。- で標準出力）",
	"RFC 3161 TSA URL":                                                  "RFC 3161 TSA の URL",
	"the timestamped file (- for stdin)":                                "タイムスタンプ対象ファイル（- で標準入力）",
	"accuracy stated in tokens":                                         "トークンに記載する精度",
	"TSA certificate (PEM or DER)":                                      "TSA 証明書（PEM または DER）",
	"CA certificates sent with tokens (repeatable)":                     "トークンと共に送る CA 証明書（複数可）",
	"TSA private key (PEM PKCS#8, PKCS#1 or SEC 1)":                     "TSA の秘密鍵（PEM の PKCS#8、PKCS#1、SEC 1）",
	"file keeping serial numbers across restarts":                       "再起動をまたいでシリアル番号を保つファイル",
	"the signed file, for a detached signature (- for stdin)":           "署名対象ファイル（デタッチド署名の場合。- で標準入力）",
	"require one of these HPKI roles (repeatable; English or Japanese)": "これらの HPKI 資格のいずれかを要求（複数可。英語または日本語）",
	"XAdES: fail unless each signature covers the element at this absolute path, e.g. /Document/PrescriptionData or /Q{urn:ns}Document/Q{urn:ns}Data[1] (repeatable)":                                                                                                                                                                           "XAdES: 各署名がこの絶対パスの要素を対象としていなければ失敗（例 /Document/PrescriptionData、/Q{urn:ns}Document/Q{urn:ns}Data[1]。複数可）",
	"write what each passed signature was verified over into this folder (with several SIG files, into DIR/1, DIR/2, … by position): the content an enveloping CAdES carries, the canonical form of each covered XML element (signature-N-M.bin/.xml; an application should read the signed data from there, never search the document for it)": "検証に合格した各署名が対象としたデータをこのフォルダに書き出す（SIG が複数なら位置順に DIR/1、DIR/2 …）: エンベロープ CAdES の内容、対象の各 XML 要素の正規形（signature-N-M.bin/.xml。アプリケーションは署名済みデータをここから読み、文書を検索しないこと）",
}

// jaUsageTemplate is cobra's usage template with Japanese headings.
const jaUsageTemplate = `使い方:{{if .Runnable}}
  {{jaUseLine .UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [コマンド]{{end}}{{if gt (len .Aliases) 0}}

別名:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

例:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

コマンド:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

フラグ:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces | jaFlagUsages}}{{end}}{{if .HasAvailableInheritedFlags}}

共通フラグ:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces | jaFlagUsages}}{{end}}{{if .HasHelpSubCommands}}

その他のヘルプ:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

コマンドの詳細は "{{.CommandPath}} [コマンド] --help" で表示します。{{end}}
`

func init() {
	// Used only by jaUsageTemplate.
	cobra.AddTemplateFunc("jaUseLine", func(s string) string { return strings.Replace(s, "[flags]", "[フラグ]", 1) })
	cobra.AddTemplateFunc("jaFlagUsages", func(s string) string { return jaDefault.ReplaceAllString(s, "（既定 $1）") })
}

// jaDefault matches the default value pflag appends to a flag's usage.
var jaDefault = regexp.MustCompile(`(?m) \(default (.*)\)$`)

// localizeHelp puts the Japanese texts of jaHelp into cmd and its
// subcommands, and the Japanese usage template.
func localizeHelp(root *cobra.Command) {
	root.SetUsageTemplate(jaUsageTemplate)
	// The help and completion commands cobra adds are made on Execute;
	// make them now so that they are translated too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		if ja, ok := jaHelp[c.Short]; ok {
			c.Short = ja
		}
		if ja, ok := jaHelp[c.Long]; ok {
			c.Long = ja
		} else if ja, ok := localizeLong(c.CommandPath(), c.Long); ok {
			c.Long = ja
		}
		c.Example = jaExample.Replace(c.Example)
		translate := func(f *pflag.Flag) {
			if ja, ok := jaHelp[f.Usage]; ok {
				f.Usage = ja
			} else if name, ok := strings.CutPrefix(f.Usage, "help for "); ok {
				f.Usage = name + " のヘルプ"
			}
		}
		c.Flags().VisitAll(translate)
		c.PersistentFlags().VisitAll(translate)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}

// jaErrors translate the usage errors of the command-line parser (cobra
// and pflag), matched on the English message. Every message of hpki's own
// source, and of the packages it uses, has its Japanese in the catalogue
// of internal/msgja (TestCatalogueComplete keeps it complete).
var jaErrors = []struct {
	re *regexp.Regexp
	ja string
}{
	{regexp.MustCompile(`^unknown command "(.*)" for "(.*?)"(.*)$`), `"$2" に "$1" というコマンドはありません`},
	{regexp.MustCompile(`^unknown flag: (.*)$`), `不明なフラグです: $1`},
	{regexp.MustCompile(`^unknown shorthand flag: (.*)$`), `不明な短縮フラグです: $1`},
	{regexp.MustCompile(`^flag needs an argument: (.*)$`), `フラグに値が必要です: $1`},
	{regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`), `引数は $1 個です（$2 個指定されました）`},
	{regexp.MustCompile(`^accepts at most (\d+) arg\(s\), received (\d+)$`), `引数は $1 個までです（$2 個指定されました）`},
	{regexp.MustCompile(`^requires at least (\d+) arg\(s\), only received (\d+)$`), `引数が少なくとも $1 個必要です（$2 個指定されました）`},
	{regexp.MustCompile(`^required flag\(s\) (.*) not set$`), `必須のフラグ $1 が指定されていません`},
	{regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: (.*)$`), `$2 の値 "$1" が正しくありません: $3`},
}

// localizeError returns a one-line error, warning or report message in
// the current language: a usage error of the parser (jaErrors, the
// reason a flag's value was refused translated in turn), else a message of
// hpki and its packages (internal/msgja); a part without a translation
// stays as it is.
func localizeError(msg string) string {
	if uiLang != "ja" {
		return msg
	}
	ja := ""
	for _, e := range jaErrors {
		if e.re.MatchString(msg) {
			ja = e.re.ReplaceAllString(msg, e.ja)
			if head, reason, ok := strings.Cut(ja, ": "); ok && strings.HasPrefix(msg, "invalid argument") {
				ja = head + ": " + msgja.Localize(reason)
			}
			break
		}
	}
	if ja == "" {
		ja = msgja.Localize(msg)
	}
	if strings.Contains(msg, "wrong PIN") {
		ja = jaPINState.Replace(ja)
	}
	return ja
}

// jaPINState translates the PIN state a card reports after a wrong PIN
// (package pkcs11: COUNT_LOW, FINAL_TRY, LOCKED).
var jaPINState = strings.NewReplacer(
	"no warning from the token", "カードからの警告なし",
	"token state ", "カードの状態 ",
	": the card is now locked", "：カードはロックされました",
	": one more wrong PIN locks the card", "：あと 1 回間違えるとカードがロックされます",
	"COUNT_LOW", "COUNT_LOW（残り回数わずか）",
	"FINAL_TRY", "FINAL_TRY（最後の 1 回）",
	"LOCKED", "LOCKED（ロック）",
)
