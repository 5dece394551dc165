package main

// Japanese help texts of the main commands (hpki sign, hpki verify),
// keyed in jaHelp by the constant holding their English text: whoever
// changes signLong or verifyLong updates the translation here too. The
// long help of the other commands is in jaLong (i18n_ja_cmds.go);
// TestJapaneseHelpEverywhere fails for any command left in English.
func init() {
	jaHelp[signLong] = `1 つ以上の文書に署名します。形式は内容で決まります（--format auto）:
XML 文書は XAdES で FILE.signed.xml（enveloped: 文書全体、または --xml-id の要素）
または FILE.xades.xml（--packaging detached、または enveloping: 署名の中にファイル）、
PDF（%PDF- ヘッダのあるファイル）は元のバイトをすべて残す増分更新として文書の中に
PAdES で署名し FILE.signed.pdf（--visible、--field、--certify、--reason、--location。
LT/LTA は DSS と文書タイムスタンプを追加）、その他のファイルは CAdES で FILE.p7s
（--packaging enveloping でなければ detached）になります。--format cades / xades /
pades で形式を指定できます（--format cades で PDF のデタッチド CAdES 署名を作れます）。
FILE に - を指定すると文書を標準入力から読みます（-o が必要。-o - で署名または署名
済み PDF を標準出力に、レポートを標準エラーに出します）。鍵は 1 度だけ読み込みます: カードが許せば一括署名の PIN は 1 回です。

鍵: HPKI カード（--pkcs11-module）、PKCS#12 ファイル（--p12）、または PEM の鍵と
証明書（--key、--cert、--chain）。PIN とパスワードはコマンドラインからは受け取り
ません: --pin-file/--password-file、環境変数（HPKI_PIN、HPKI_P12_PASSWORD）、
またはエコーしない入力から読みます。

鍵を使う前に、証明書が HPKI 署名用証明書であり（--allow-non-hpki で警告に変わります）、
--require-role の資格のいずれかを持つことを確認します。レベル T は --tsa の
タイムスタンプを署名値に付けます。LT と LTA は新しい署名を検証し（--trust、
--tsa-trust、取得した、または --crl/--ocsp で与えた失効情報）、hpki extend と同様に
検証データ（LT）とアーカイブタイムスタンプ（LTA）を埋め込みます。

出力はアトミックに書き込み、--force なしに既存のファイルを上書きしません。入力は
変更せず、入力と同じファイルへの出力は（別名、ハードリンク、シンボリックリンクでも）
--force があっても拒否します。新しい出力は 0666 から umask を除いたモード、置き換えた
出力は元のモード・所有者・グループを保ちます。

--output json は結果（入力、出力、形式、レベル、署名者、タイムスタンプが証明する時刻）
を表示します。入力が複数なら配列、--output jsonl なら 1 行に 1 件です。

終了コード: 0 署名した、1 署名に失敗（資格による拒否、TSA やカードのエラー）、
3 使い方の誤り・入力を読めない。`

	jaHelp[verifyLong] = `CAdES 署名（DER、BER、PEM）、XML 文書の XAdES 署名、または PDF のすべての署名と
文書タイムスタンプ（PAdES）を（形式は自動判定）ETSI EN 319 102-1 に従って検証します: 署名が示す署名者証明書、署名属性、内容の
ダイジェスト、署名値、署名タイムスタンプ（署名が存在した時刻を証明します）、
そしてその証明された時刻における署名者からトラストアンカーまでの検証パス —
署名者が主張する時刻では決して検証しません。--require-role で HPKI 資格の
ポリシーを加えます。

失効: 署名者の証明書（とその CA・TSA）の状態は、その時刻以後に発行された CRL
または OCSP 応答で証明されなければなりません: 署名に埋め込まれたもの（B-LT 以上）、
--crl/--ocsp で与えたもの、または証明書の URL から取得したもの（--offline では
取得しません）。タイムスタンプのない署名の現在の状態は、問い合わせられれば CA の
サービスから得て、署名が持つデータからは決して得ません。そのようなデータがなければ
結果は INDETERMINATE（TRY_LATER）で、CA の次のデータがいつ出るかを示します。
証明された署名時刻より後に失効した証明書は合格です。過去の --at にはその時刻以前の
タイムスタンプが必要です。アーカイブタイムスタンプ（B-LTA）は連鎖として、それぞれ
次のタイムスタンプが証明する時刻で検証するため、証明書が失効期限を過ぎた古い記録も
検証できます。

既定のトラストアンカーは内蔵の厚生労働省 HPKI ルート認証局 V2 です。TSA 証明書は
--tsa-trust（既定: 同じアンカー）で確認します。

PDF では、/ByteRange が自身の /Contents を除くリビジョン全体を覆っていない署名、
およびそれ以後のリビジョンが署名の許す追加（署名、DSS、文書タイムスタンプ。フォーム
入力と注釈は DocMDP の証明が許す場合のみ）以外を含む署名も不合格です。--extract DIR
は合格した各署名が署名したリビジョンを書き出します（signature-N.pdf）。PDF には
--content と --covers は使えません。

SIG を複数指定すると順に検証し、それぞれのレポートを出します（text: "== SIG ==" の
行の下、--output json: 配列、jsonl: 1 行に 1 件）。終了コードは最も悪いものです。
SIG に - を指定すると標準入力から読みます。読めない・解析できないファイルは JSON
レポートではエラーオブジェクトになります。

終了コード: 0 TOTAL_PASSED（有効）、1 TOTAL_FAILED（無効）、2 INDETERMINATE
（判定不能）、3 使い方の誤り・入力を読めない・署名のない PDF（複数ファイルでは 3、次に 1、次に 2、
次に 0 の順）。`
}
