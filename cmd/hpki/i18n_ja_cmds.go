package main

import "strings"

// jaLong holds the Japanese long help of the commands other than root,
// sign and verify (those are keyed by their English text in jaHelp), by
// command path. first is the first line of the English Long text the
// translation was made from ("" for a command without one): the
// translation is used only while the English text still starts with it, so
// a command whose text was rewritten shows English (and
// TestJapaneseHelpEverywhere fails) until its translation is updated too.
var jaLong = map[string]struct{ first, ja string }{
	"hpki archive": {"Re-verify and renew the signatures of an archive: every .p7s/.p7m file and every", `保管庫の署名を再検証・更新します: 指定したフォルダ以下のすべての .p7s/.p7m
ファイルと、ds:Signature を含むすべての XML 文書が対象です。デタッチド CAdES 署名
NAME.p7s（または NAME.lt.p7s、NAME.lta.p7s）の署名対象は隣にある NAME です。
デタッチド XAdES の参照は、文書の隣にあるファイルにだけ解決します。

読むのは通常ファイルだけで、それを指す署名と同じフォルダの中に限ります: シンボリック
リンクはたどらず、同じフォルダ内のファイルへのリンクは内容として読みますが、フォルダの
外へ出るリンクは読みません。FIFO、デバイス、ソケットを待ち続ける形で開くことは
ありません。読まなかった項目はそれぞれ 1 行で報告し（SKIPPED と理由。読めない・消えた・
権限がないなどの I/O の問題は ERROR）、集計に数えます。制御文字や引用符を含む
ファイル名は引用して表示します。

数百万件の記録の保管庫向け: 記録は逐次処理し（メモリ使用量は一定）、安定した順序で
表示します（--output jsonl では 1 件 1 行の JSON）。--journal を使うと、クラッシュ・
強制終了・再起動の後から処理を再開できます。--manifest と --shard K/N で 1 回の処理を
バッチ基盤のタスク（Kubernetes Indexed Job、Slurm array、AWS Batch、GNU parallel）に
分割でき、"hpki archive report" がそれらのジャーナルを統合します。PATH にはバケットの
URL（s3://、gs://、azblob://、file://）も指定できます。SIGINT/SIGTERM を受けると新しい
記録を取らず、処理中のものを終えて集計を表示し、130/143 で終了します。`},

	"hpki archive verify": {"Validate every signature file under the given files and folders (or", `指定したファイルとフォルダ以下の（または --manifest に列挙した）すべての署名ファイルを
hpki verify と同様に並行して検証し、1 ファイル 1 行を安定した順序で表示します
（--output json では JSON 配列、--output jsonl では 1 行に 1 つの JSON オブジェクトの後に
集計行）: 判定、レベル、更新期限、最後に集計です。

終了コード: 0 すべて TOTAL_PASSED でスキップなし、1 TOTAL_FAILED あり、
2 INDETERMINATE・ERROR・SKIPPED あり（失敗はなし）、3 使い方の誤り・ルートがない・
何も見つからない（--allow-empty がなければ）、130/143 SIGINT/SIGTERM で停止
（それまでの出力は完全で正しい形式です）。`},

	"hpki archive renew": {"Validate every signature file under the given files and folders (or named", `指定したファイルとフォルダ以下の（または --manifest に列挙した）すべての署名ファイルを
検証し、合格したもののうち B-LTA 未満のもの、または更新期限（最新のタイムスタンプの
TSA 証明書の有効期限）が --within 以内に来るものを、その場でアトミックに B-LTA に
延長します。合格しなかった記録は報告だけして変更しません。--dry-run は何も書かず
"would renew"（更新予定）と表示します。

更新した記録はモード・所有者・グループを保ちます。読み取り専用の記録（書き込み権限の
ビットなし）は --force がなければ置き換えません。バケットでは、オブジェクトが読んだ
ときの版のままである場合に限り新しい版を書きます（条件付き put）: 並行して書き込む
ものを上書きすることはありません。

終了コードは hpki archive verify と同じです。更新を拒否された記録は失敗に数えます。`},

	"hpki archive report": {"Merge journals (--journal of archive verify or renew: the shards of one", `ジャーナル（archive verify または renew の --journal: 1 回の処理の各シャード、または
1 つの作業の再実行分）を 1 つの集計に統合します。各記録は名前で 1 回だけ数えます
（最後の判定が有効）。処理は終了時にジャーナルへ終了行を書きます。終了行のない
ジャーナル（処理が中断・強制終了・失敗した）は INCOMPLETE（未完了）と表示します:
同じ --journal でそのシャードを再実行して完了させてください。各処理は --shard K/N と
対象をジャーナルに記録します: ジャーナルのないシャードも INCOMPLETE と表示します。
異なる検証設定で作られたジャーナル、同じシャードの 2 つのジャーナル、行の整合しない
ジャーナル（実行 ID、設定、集計が、終了させる処理のものと一致しない終了行）は統合
しません。終了コード: 4 未完了のジャーナル、またはジャーナルのないシャードあり（集計は
処理全体のものではありません）。それ以外は archive verify と同じです: 0 すべて合格、
1 失敗あり、2 判定不能あり、3 ジャーナルを読めない、破損している、整合しない、通常の
ファイルでない、またはジャーナルが 1 つの組になっていない（設定、シャード）。`},

	"hpki auth": {"", `HPKI カードの認証用鍵で hpki のサービス（hpki serve）にログインします。
署名用鍵は使いません。`},

	"hpki auth login": {"Log in to the hpki service at URL (challenge-response, ISO 17090-5 style):", `URL の hpki サービスにログインします（ISO 17090-5 方式のチャレンジ・レスポンス）:
サーバが 1 回限りのノンスを送り、カードの認証用鍵が "hpki-login-v1"、URL の
オリジン、ノンス、時刻に署名し、サーバがセッショントークンを返します（
"Authorization: Bearer TOKEN" として送ってください）。

カードの認証用鍵は専用の PKCS#11 ライブラリ（--pkcs11-module または環境変数
HPKI_AUTH_PKCS11_MODULE。実際のカードでは署名用とは別に提供されます）と専用の PIN
（--pin-file、環境変数 HPKI_AUTH_PIN、または入力）で使います。テストとデモでは
--key/--cert で鍵ファイルを代わりに使えます。

トークンは標準出力に表示します（-o FILE ならモード 0600 で書き込みます）。
--output json ではセッション全体（トークン、有効期限、本人情報）を表示します。
終了コード: 0 ログインした、1 拒否された（または PIN の誤り）、3 使い方の誤り・接続できない。`},

	"hpki card": {"", `HPKI カード（およびその他の PKCS#11 トークン）を扱います。PIN は必要ありません。`},

	"hpki card list": {"List the slots and tokens of a PKCS#11 library (an HPKI card reader's", `PKCS#11 ライブラリ（HPKI カードリーダの HpkiSigP11/HpkiAuthP11 ライブラリ、または
任意の PKCS#11 モジュール）のスロットとトークン、および各トークンの証明書を HPKI 種別と
資格つきで一覧表示します。証明書は公開オブジェクトなので PIN は必要ありません。

終了コード: 0 一覧を表示した、3 モジュールがない・使えない。`},

	"hpki cert": {"", `HPKI 証明書を表示（inspect）・検証（verify）します。`},

	"hpki cert inspect": {"Show a certificate (PEM or DER): subject in romaji and Kanji, the HPKI kind", `証明書（PEM または DER）を表示します: ローマ字と漢字の主体者名、HPKI 種別（署名用、
認証用、HPKI でない）とその理由、HPKI 資格（hcRole）とその日本語名、ポリシー、
鍵用途、有効期間です。ファイルに証明書とその後に続く証明書チェーンがある場合は、
最初の証明書を表示します。`},

	"hpki cert verify": {"Check that CERT chains to a trust anchor at a given time (default: now) and", `CERT が指定した時刻（既定: 現在）に信頼点（トラストアンカー）までの検証パスを持ち、
HPKI プロファイル（HPKI の署名用・認証用証明書、または HPKI の CA）に従うことを
確認します。このコマンドは失効情報を確認しません。

既定の信頼点は内蔵の厚生労働省 HPKI ルート認証局 V2 で、MEDIS の HPKI 認証局を既知の
中間 CA とします。--trust は信頼点を置き換えます。CERT には証明書の後に中間 CA を
続けて（PEM バンドル）入れられます。--intermediates で追加できます。

終了コード: 0 有効、1 無効、3 使い方の誤り・入力を読めない。`},

	"hpki completion": {"Generate the autocompletion script for hpki for the specified shell.", `指定したシェル用の hpki の補完スクリプトを生成します。
生成したスクリプトの使い方は各サブコマンドのヘルプを見てください。
`},

	"hpki completion bash": {"Generate the autocompletion script for the bash shell.", `bash 用の補完スクリプトを生成します。

このスクリプトは 'bash-completion' パッケージが必要です。
まだ入っていなければ、OS のパッケージマネージャで入れてください。

今のシェルで補完を使うには:

	source <(hpki completion bash)

新しいシェルで毎回使うには、1 度だけ次を実行します:

#### Linux:

	hpki completion bash > /etc/bash_completion.d/hpki

#### macOS:

	hpki completion bash > $(brew --prefix)/etc/bash_completion.d/hpki

設定を有効にするには新しいシェルを起動してください。
`},

	"hpki completion fish": {"Generate the autocompletion script for the fish shell.", `fish 用の補完スクリプトを生成します。

今のシェルで補完を使うには:

	hpki completion fish | source

新しいシェルで毎回使うには、1 度だけ次を実行します:

	hpki completion fish > ~/.config/fish/completions/hpki.fish

設定を有効にするには新しいシェルを起動してください。
`},

	"hpki completion powershell": {"Generate the autocompletion script for powershell.", `PowerShell 用の補完スクリプトを生成します。

今のシェルで補完を使うには:

	hpki completion powershell | Out-String | Invoke-Expression

新しいシェルで毎回使うには、上のコマンドの出力を PowerShell のプロファイルに
追加してください。
`},

	"hpki completion zsh": {"Generate the autocompletion script for the zsh shell.", `zsh 用の補完スクリプトを生成します。

シェルの補完がまだ有効でなければ、有効にする必要があります。
1 度だけ次を実行します:

	echo "autoload -U compinit; compinit" >> ~/.zshrc

今のシェルで補完を使うには:

	source <(hpki completion zsh)

新しいシェルで毎回使うには、1 度だけ次を実行します:

#### Linux:

	hpki completion zsh > "${fpath[1]}/_hpki"

#### macOS:

	hpki completion zsh > $(brew --prefix)/share/zsh/site-functions/_hpki

設定を有効にするには新しいシェルを起動してください。
`},

	"hpki extend": {"Extend a CAdES or XAdES signature, or a signed PDF, to a long-term level.", `CAdES・XAdES 署名、または署名済み PDF を長期保存レベルに延長します。
PDF には文書セキュリティストア（DSS）を含むリビジョン（LT）と文書タイムスタンプを
含むリビジョン（LTA）を追加します。PDF の署名は B-T 以上である必要があります。

LT は署名者と各タイムスタンプの検証に必要なすべての証明書と失効情報（CRL、OCSP
応答）を埋め込みます。LTA はさらに署名・署名対象・それらのデータを覆うアーカイブ
タイムスタンプを加えます。LTA 署名にもう一度実行すると、アーカイブタイムスタンプを
追加して更新します。更新は直前のタイムスタンプの TSA 証明書が期限切れになる前に
行う必要があります。

署名はまず（hpki verify と同様に、--offline でなければ失効情報を取得して）検証し、
現時点で有効な場合に限り延長します。B-B 署名にはまず --tsa から署名タイムスタンプを
付けます。署名されたバイトはすべて保たれます。結果は -o（既定: SIG の拡張子の前に
.lt/.lta）に、または --in-place で SIG にアトミックに書き込みます。置き換えたファイルは
モード・所有者・グループを保ち、読み取り専用のファイルは --force のときだけ置き換え
ます。-o に SIG 自身（--in-place を使ってください）や --content のファイルは指定
できません。

終了コード: 0 延長した、1 拒否（現時点で有効でない）・TSA の失敗、3 使い方の誤り・
入力を読めない。`},

	"hpki help": {"Help provides help for any command in the application.", `任意のコマンドのヘルプを表示します。
詳しくは hpki help [コマンドのパス] と入力してください。`},

	"hpki ocsp": {"", `ローカルの OCSP レスポンダと CRL サーバ（デモ・テスト用）。`},

	"hpki ocsp serve": {"Answer OCSP requests (RFC 6960, POST or GET, nonce echoed) about the", `1 つの CA の証明書についての OCSP 要求（RFC 6960、POST または GET、ノンスを返送）に、
--cert/--key（CA 自身、またはその CA が委任したレスポンダ: id-kp-OCSPSigning）で署名
して応答します。--crl に載っている証明書は失効（失効日時と理由つき）、それ以外は
有効（good）と答えます。--crl を指定すると、その CRL も http://ADDR/NAME（NAME は CRL
ファイルの名前）で配布します。

デモとテスト用です。hpki verify/extend の --resolve で証明書の OCSP・CRL のホストを
ここに向けて使います。準備ができると "listening on http://ADDR/" と表示し、SIGINT
または SIGTERM で停止します。`},

	"hpki serve": {"Serve the hpki API over HTTP(S) with JSON (the OpenAPI 3 document is at /openapi.json).", `hpki の API を HTTP(S) と JSON で提供します（OpenAPI 3 の文書は /openapi.json）。

POST /v1/verify は 'hpki verify --output json' と全く同じレポートを返します。
POST /v1/sign はサーバが保持する鍵（--sign-key、または PKCS#11 HSM の鍵）で署名します。
HPKI カードの認証用証明書でログインした利用者に限り、その本人の名前を持つ証明書の
鍵でだけ署名します。"format":"pades" なら PDF に署名します（応答は署名済みの PDF 全体）。
POST /v1/extend は CAdES、XAdES、署名済み PDF を B-LT または B-LTA に延長します。
ログイン: チャレンジ・レスポンス（POST /v1/auth/challenge、
/v1/auth/login。カード側は 'hpki auth login URL'）、または TLS クライアント証明書
（--client-certificates。カードのクライアントは TLS 1.2。文書を参照）。

--tls-cert/--tls-key がなければ、ループバックアドレスでだけ平文の HTTP を提供します
（警告あり）。ループバック以外のアドレスでは --insecure-http が必要です（TLS は前段で
終端）。ログは標準エラーに JSON の行で出します。メトリクスは /metrics、/healthz と
/readyz はカードなしで応答します。SIGTERM または SIGINT で正常に停止します。`},

	"hpki ts": {"Ask the TSA for a timestamp of FILE's digest and write the TimeStampResp to", `FILE のダイジェストのタイムスタンプを TSA に要求し、署名タイムスタンプと同じ確認
（状態、ノンス、インプリント、TSA の署名、--tsa-trust（既定 --trust、それもなければ
内蔵の HPKI 信頼点）までの TSA 証明書の検証パス）をしてから、TimeStampResp を -o
（既定 FILE.tsr）に書き込みます。結果は openssl ts -verify -data FILE -in FILE.tsr で
読める形式で、後で hpki ts verify で検証できます。FILE に - を指定すると標準入力の
タイムスタンプを取ります。

終了コード: 0 タイムスタンプを取得した、1 TSA の失敗・拒否、3 使い方の誤り・入力を
読めない。`},

	"hpki ts verify": {"Check that TSR (a TimeStampResp, or a bare TimeStampToken) is a timestamp", `TSR（TimeStampResp、または TimeStampToken 単体）が FILE のタイムスタンプであることを
検証します: インプリントが FILE のダイジェストであること、署名が TSA のものであること、
TSA 証明書（timeStamping 専用、critical）がタイムスタンプの示す時刻に --tsa-trust
（既定 --trust、それもなければ内蔵の HPKI 信頼点）までの検証パスを持つことです。
openssl ts -verify と同様に、TSA 証明書の失効情報は確認しません。--content - で FILE を
標準入力から読みます。

終了コード: 0 有効、1 無効（別のファイル、偽造、信頼できない）、3 使い方の誤り・
入力を読めない。`},

	"hpki tsa": {"", `ローカルの RFC 3161 タイムスタンプ局（デモ・テスト用）。`},

	"hpki tsa serve": {"Serve RFC 3161 timestamps over HTTP (POST application/timestamp-query).", `RFC 3161 のタイムスタンプを HTTP（POST application/timestamp-query）で発行します。

デモとテスト用の小さく正確な TSA で、認定されたタイムスタンプサービスではありません
（時刻はこのマシンの時計です）。TSA 証明書には critical な extendedKeyUsage
timeStamping が必要です。

準備ができると "listening on http://ADDR/" と表示し（--addr 127.0.0.1:0 でポートを
システムに選ばせます）、SIGINT または SIGTERM で停止します。--serial-file を指定すると
シリアル番号は一意で、再起動をまたいで増え続けます。`},

	"hpki version": {"", `hpki のバージョン、コミット、ビルド日時（ビルド情報から）を表示します。`},
}

// jaExample translates the comments of the commands' examples.
var jaExample = strings.NewReplacer(
	"# renew", "# 更新",
)

// localizeLong sets the Japanese long help and example comments of a
// command from jaLong and jaExample.
func localizeLong(path, long string) (string, bool) {
	t, ok := jaLong[path]
	if !ok {
		return "", false
	}
	if t.first == "" && long != "" || t.first != "" && !strings.HasPrefix(long, t.first+"\n") && long != t.first {
		return "", false
	}
	return t.ja, true
}

// Japanese short help and flag usages of the archive, auth, serve, tsa and
// completion commands, keyed by their English text as in jaHelp.
func init() {
	for en, ja := range map[string]string{
		"Merge the journals of a run's shards into one summary":                                                               "処理の各シャードのジャーナルを 1 つの集計に統合します",
		"Log in to an hpki service with the HPKI card's authentication key":                                                   "HPKI カードの認証用鍵で hpki のサービスにログインします",
		"Log in to hpki serve at URL with the card's authentication (認証用) key; prints the session token":                      "カードの認証用鍵で URL の hpki serve にログインし、セッショントークンを表示します",
		"Serve the HTTP/JSON API: verify, sign (logged-in users), extend, timestamp, certificate inspection, HPKI card login": "HTTP/JSON の API を提供します: 検証、署名（ログインした利用者）、延長、タイムスタンプ、証明書の表示、HPKI カードでのログイン",
		"Generate the autocompletion script for bash":                                                                         "bash 用の補完スクリプトを生成します",
		"Generate the autocompletion script for fish":                                                                         "fish 用の補完スクリプトを生成します",
		"Generate the autocompletion script for powershell":                                                                   "PowerShell 用の補完スクリプトを生成します",
		"Generate the autocompletion script for zsh":                                                                          "zsh 用の補完スクリプトを生成します",
		"disable completion descriptions":                                                                                     "補完候補の説明を出さない",

		// archive verify / renew / report
		"exit 0 when there is nothing to check (default: exit 3, an empty or unmounted root is an error)": "確認するものがなければ終了コード 0（既定: 3。空のルートやマウントされていないルートはエラー）",
		`only report what would be renewed ("would renew")`:                                               `更新対象を表示するだけで更新しない（"would renew"）`,
		"timeout of one revocation request; a host that fails is not asked again for a minute":            "失効情報の要求 1 回のタイムアウト。失敗したホストには 1 分間問い合わせない",
		"append each record to FILE (a regular file, locked while the run writes it; durable every second) and skip the verdicts it already holds for the same file and validation settings: a rerun resumes. Trusted like the records: whoever can write it can make a rerun reuse any verdict": "各記録を FILE（通常のファイル。書き込む処理の間はロックされる）に追記し（1 秒ごとに確定）、同じファイル・同じ検証設定で記録済みの判定は飛ばす: 再実行すると続きから再開。記録と同じく信頼される: 書き込める者は再実行に任意の判定を再利用させられる",
		"read the records from FILE (- for stdin), one path (or, with a bucket URL as PATH, one object key) a line": "記録を FILE（- で標準入力）から読む。1 行に 1 つのパス（PATH がバケットの URL ならオブジェクトキー）",
		"report format: text, json (one array) or jsonl (one record per line, then a summary line)":                 "レポート形式: text、json（1 つの配列）、jsonl（1 行に 1 件、最後に集計行）",
		"progress line on stderr: auto (on a terminal), always or never":                                            "標準エラーの進捗表示: auto（端末のとき）、always、never",
		"K/N: handle only the records whose name hashes to K of N (K from 0, e.g. $JOB_COMPLETION_INDEX)":           "K/N: 名前のハッシュが N 個中 K 番目になる記録だけを処理（K は 0 から。例 $JOB_COMPLETION_INDEX）",
		"report format: text or json": "レポート形式: text または json",

		// auth login
		"authentication certificate (PEM, may carry its chain)":                       "認証用証明書（PEM。証明書チェーンを含んでもよい）",
		"CA certificates of --cert (repeatable)":                                      "--cert の CA 証明書（複数可）",
		"authentication key file (tests and demos)":                                   "認証用の鍵ファイル（テスト・デモ用）",
		"write the session token to this file (mode 0600) instead of stdout":          "セッショントークンを標準出力ではなくこのファイル（モード 0600）に書き込む",
		"file holding the authentication PIN (else env HPKI_AUTH_PIN, else a prompt)": "認証用 PIN を保存したファイル（なければ環境変数 HPKI_AUTH_PIN、それもなければ入力）",
		"the card's authentication PKCS#11 library (env HPKI_AUTH_PKCS11_MODULE)":     "カードの認証用 PKCS#11 ライブラリ（環境変数 HPKI_AUTH_PKCS11_MODULE）",
		"trust these CAs for the server's TLS certificate (default: the system's)":    "サーバの TLS 証明書についてこれらの CA を信頼する（既定: システムの CA）",
		"timeout of each request":                                                     "各要求のタイムアウト",
		"token label (default: the only token)":                                       "トークンのラベル（既定: 唯一のトークン）",

		// serve
		"listen on HOST:PORT (port 0: any free port)": "HOST:PORT で待ち受ける（ポート 0: 空いている任意のポート）",
		"accept HPKI authentication certificates as TLS client certificates (login without the challenge; TLS 1.2 for cards)": "HPKI 認証用証明書を TLS クライアント証明書として受け付ける（チャレンジなしでログイン。カードは TLS 1.2）",
		"allow plain HTTP (no --tls-cert) on a non-loopback address, when TLS is terminated in front of this server":          "ループバック以外のアドレスで平文の HTTP（--tls-cert なし）を許可する。TLS をこのサーバの前段で終端する場合",
		"PKCS#11 key label (default: found by its certificate)":                                                               "PKCS#11 の鍵ラベル（既定: 証明書から探す）",
		"JSON log level on stderr: debug, info (one line per request), warn or error":                                         "標準エラーの JSON ログのレベル: debug、info（要求ごとに 1 行）、warn、error",
		"largest request body in bytes":                                                      "要求本文の最大バイト数",
		"requests doing work at a time (default 8 per CPU)":                                  "同時に処理する要求の数（既定: CPU 1 つあたり 8）",
		"the origin clients reach this server at, signed in logins (default: scheme://ADDR)": "クライアントがこのサーバに接続するオリジン。ログインで署名される（既定: scheme://ADDR）",
		"file holding the HSM PIN (else env HPKI_PIN, else a prompt)":                        "HSM の PIN を保存したファイル（なければ環境変数 HPKI_PIN、それもなければ入力）",
		"PKCS#11 library of an HSM holding a signing key":                                    "署名鍵を保持する HSM の PKCS#11 ライブラリ",
		"longest time one request may work":                                                  "1 つの要求の最長処理時間",
		"log in only holders of one of these HPKI roles (repeatable; English or Japanese)":   "これらの HPKI 資格のいずれかを持つ人だけをログインさせる（複数可。英語または日本語）",
		"how long a login session lasts":                                                     "ログインセッションの有効期間",
		"KEY:CERT[:CHAIN] a signing key held for its certificate's holder (repeatable)":      "KEY:CERT[:CHAIN] 証明書の本人のために保持する署名鍵（複数可）",
		"server certificate (PEM, with its chain) for HTTPS":                                 "HTTPS のサーバ証明書（PEM、証明書チェーンつき）",
		"server private key (PEM) for HTTPS":                                                 "HTTPS のサーバ秘密鍵（PEM）",
		"PKCS#11 token label":                                                                "PKCS#11 のトークンラベル",
		"RFC 3161 TSA for level T, extend and /v1/timestamp":                                 "レベル T、延長、/v1/timestamp に使う RFC 3161 TSA",

		// tsa serve
		"TSA policy OID (default 1.3.6.1.4.1.32473.3161.1)": "TSA のポリシー OID（既定 1.3.6.1.4.1.32473.3161.1）",
	} {
		jaHelp[en] = ja
	}
}
