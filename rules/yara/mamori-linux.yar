/*
  Mamori's own YARA rules for Linux threats (written for Mamori; no third-party content).
  Every rule carries the meta the alert is built from: severity, the ATT&CK technique, and a title and
  summary in English and Japanese. Rules aim at high precision: each needs several independent signs,
  and each has a positive and a negative sample in test/rules/yara-pack.test.ts.
*/

rule mamori_linux_coin_miner
{
  meta:
    severity = "high"
    attack = "T1496"
    title_en = "Cryptocurrency miner found"
    title_ja = "仮想通貨のマイニングプログラムが見つかりました"
    summary_en = "The file is a cryptocurrency miner (XMRig or similar). Miners are often installed by attackers to use this computer's processor for their own profit."
    summary_ja = "このファイルは仮想通貨のマイニングプログラム（XMRig など）です。攻撃者がこのパソコンの処理能力を自分の利益のために使う目的で仕掛けることがよくあります。"
  strings:
    $pool1 = "stratum+tcp://" ascii
    $pool2 = "stratum+ssl://" ascii
    $opt1 = "--donate-level" ascii
    $opt2 = "\"donate-level\"" ascii
    $algo1 = "randomx" ascii nocase
    $algo2 = "cryptonight" ascii nocase
    $name = "xmrig" ascii nocase
  condition:
    filesize < 50MB and
    (1 of ($pool*)) and (1 of ($opt*) or $name) and (1 of ($algo*))
}

rule mamori_php_webshell
{
  meta:
    severity = "critical"
    attack = "T1505.003"
    title_en = "Web shell found"
    title_ja = "Web シェルが見つかりました"
    summary_en = "The file is a PHP web shell: a page that runs whatever commands a visitor sends. Attackers leave these on web servers to come back at will."
    summary_ja = "このファイルは PHP の Web シェルです。訪問者が送ったコマンドをそのまま実行するページで、攻撃者が Web サーバーにいつでも戻って来られるように置いていきます。"
  strings:
    $php = "<?php" ascii nocase
    $in1 = "$_POST[" ascii
    $in2 = "$_GET[" ascii
    $in3 = "$_REQUEST[" ascii
    $in4 = "$_COOKIE[" ascii
    $exec1 = /\b(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*(base64_decode|gzinflate|str_rot13)?\s*\(?\s*\$_(POST|GET|REQUEST|COOKIE)\[/ ascii nocase
    $exec2 = /\beval\s*\(\s*(base64_decode|gzinflate|gzuncompress|str_rot13)\s*\(/ ascii nocase
  condition:
    filesize < 2MB and $php and (1 of ($in*)) and (1 of ($exec*))
}

rule mamori_reverse_shell_script
{
  meta:
    severity = "critical"
    attack = "T1059.004"
    title_en = "Reverse shell found"
    title_ja = "リバースシェルが見つかりました"
    summary_en = "The file opens a remote-control connection: it connects to another computer and gives it a command shell on this one."
    summary_ja = "このファイルは遠隔操作の接続を開きます。別のコンピューターに接続し、このパソコンのコマンド操作を相手に渡します。"
  strings:
    $bash_tcp = /(bash|sh)\s+-i\s*[>&]+\s*\/dev\/(tcp|udp)\/[0-9a-zA-Z.\-]+\/[0-9]+/ ascii
    $nc_e = /\b(nc|ncat|netcat)\b[^\n]{0,40}\s-(e|c)\s+\/bin\/(ba)?sh/ ascii
    $mkfifo = /mkfifo\s+\S+;\s*(nc|cat)\b[^\n]{0,80}\|\s*\/bin\/(ba)?sh\s+-i/ ascii
    $py = /socket\.socket\([^)]*\)[^\n]{0,200}\.connect\(\([^)]*\)\)[^\n]{0,200}(os\.dup2|pty\.spawn)/ ascii
    $socat = /socat\s+[^\n]{0,40}exec:['"]?(bash|sh)[^\n]{0,20}(pty|stderr)/ ascii nocase
  condition:
    filesize < 1MB and any of them
}

rule mamori_ld_preload_rootkit
{
  meta:
    severity = "critical"
    attack = "T1574.006"
    title_en = "Rootkit library found (hides files or processes)"
    title_ja = "ルートキットのライブラリが見つかりました（ファイルやプロセスを隠します）"
    summary_en = "The file is a shared library built to be preloaded into every program (through /etc/ld.so.preload) so that it can hide files, processes or network connections."
    summary_ja = "このファイルは、すべてのプログラムに事前に読み込まれるように作られた共有ライブラリです（/etc/ld.so.preload 経由）。ファイル、プロセス、通信を隠すために使われます。"
  strings:
    $preload = "/etc/ld.so.preload" ascii
    $dlsym = "dlsym" ascii
    $next = "RTLD_NEXT" ascii
    $h1 = "readdir64" ascii
    $h2 = "readdir" ascii
    $h3 = "fopen64" ascii
    $h4 = "/proc/net/tcp" ascii
    $hide1 = "hide" ascii nocase
    $hide2 = "process_to_filter" ascii
  condition:
    uint32(0) == 0x464c457f and filesize < 5MB and $dlsym and
    ($preload or $next) and 2 of ($h*) and 1 of ($hide*)
}

rule mamori_ssh_key_persistence_script
{
  meta:
    severity = "high"
    attack = "T1098.004"
    title_en = "Script that adds a login key for someone"
    title_ja = "ログイン用の鍵を追加するスクリプト"
    summary_en = "The script writes an SSH key into authorized_keys, so that whoever owns the matching private key can log in to this computer without a password."
    summary_ja = "このスクリプトは authorized_keys に SSH の鍵を書き込みます。対応する秘密鍵を持つ人が、パスワードなしでこのパソコンにログインできるようになります。"
  strings:
    $key = /(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256) AAAA[0-9A-Za-z+\/]{40,}/ ascii
    $write = /(>>|tee -a)\s*[^\n]{0,60}authorized_keys/ ascii
    $shebang = "#!" ascii
  condition:
    filesize < 512KB and $key and $write and ($shebang at 0 or #write > 0)
}

rule mamori_download_and_run_script
{
  meta:
    severity = "high"
    attack = "T1105"
    title_en = "Script that downloads a program and runs it"
    title_ja = "プログラムをダウンロードして実行するスクリプト"
    summary_en = "The script downloads a program into a temporary folder, makes it executable and starts it, the usual first step of an intrusion."
    summary_ja = "このスクリプトは一時フォルダーにプログラムをダウンロードし、実行できるようにして起動します。侵入の最初の段階でよく使われる手口です。"
  strings:
    $dl = /(curl|wget)\s[^\n]{0,200}(\/tmp|\/var\/tmp|\/dev\/shm)\/[^\s;|&]+/ ascii
    $chmod = /chmod\s+(\+x|[0-7]?[75][0-7][0-7])\s+[^\n]{0,80}(\/tmp|\/var\/tmp|\/dev\/shm)\// ascii
    $run = /(nohup\s+|\.\/|\s)(\/tmp|\/var\/tmp|\/dev\/shm)\/[^\s;|&]+\s*(&|;|$)/ ascii
  condition:
    filesize < 1MB and $dl and $chmod and $run
}

rule mamori_pipe_to_shell
{
  meta:
    severity = "medium"
    attack = "T1059.004"
    title_en = "Script that runs code straight from the internet"
    title_ja = "インターネット上のコードをそのまま実行するスクリプト"
    summary_en = "The script downloads code and pipes it straight into a shell, and also hides what it does or keeps itself running. Installers sometimes do the first; together with the rest it is a common attack pattern."
    summary_ja = "このスクリプトはコードをダウンロードしてそのままシェルで実行し、さらに動作を隠したり常駐したりします。前者はインストーラーでも使われますが、組み合わせると攻撃でよく見られる形です。"
  strings:
    $pipe = /(curl|wget)\s[^\n|]{0,200}\|\s*(sudo\s+)?(ba|da)?sh\b/ ascii
    $hide1 = "history -c" ascii
    $hide2 = "unset HISTFILE" ascii
    $hide3 = ">/dev/null 2>&1 &" ascii
    $persist1 = "crontab -" ascii
    $persist2 = "/etc/rc.local" ascii
    $persist3 = "systemctl enable" ascii
  condition:
    filesize < 1MB and $pipe and 2 of ($hide*, $persist*)
}

rule mamori_log_and_history_wiper
{
  meta:
    severity = "high"
    attack = "T1070.003"
    title_en = "Script that erases traces"
    title_ja = "痕跡を消すスクリプト"
    summary_en = "The script deletes command history and system logs, which attackers do to hide what they did."
    summary_ja = "このスクリプトはコマンド履歴とシステムのログを消します。攻撃者が自分の行動を隠すために行うことです。"
  strings:
    $h1 = "history -c" ascii
    $h2 = "unset HISTFILE" ascii
    $h3 = "HISTSIZE=0" ascii
    $h4 = /rm\s+(-[a-z]+\s+)*~?\/?[^\n]{0,20}\.bash_history/ ascii
    $l1 = /(rm\s+-r?f|>|truncate\s+-s\s*0)\s*\/var\/log\/(wtmp|btmp|lastlog|auth\.log|secure|syslog|messages)/ ascii
    $l2 = /rm\s+-r?f\s+\/var\/log\/?\*?/ ascii
    $l3 = "journalctl --vacuum" ascii
  condition:
    filesize < 1MB and 1 of ($h*) and 2 of ($l*)
}

rule mamori_ransom_note
{
  meta:
    severity = "critical"
    attack = "T1486"
    title_en = "Ransom note found"
    title_ja = "身代金要求のメッセージが見つかりました"
    summary_en = "The file is a ransom note: someone claims to have encrypted your files and asks for payment. Disconnect the computer from the network and call your IT contact."
    summary_ja = "このファイルは身代金要求のメッセージです。ファイルを暗号化したと主張し、支払いを求めています。パソコンをネットワークから切り離し、IT の担当者に連絡してください。"
  strings:
    $enc1 = "files have been encrypted" ascii wide nocase
    $enc2 = "files are encrypted" ascii wide nocase
    $enc3 = "were encrypted" ascii wide nocase
    $pay1 = "bitcoin" ascii wide nocase
    $pay2 = "BTC" ascii wide
    $pay3 = "monero" ascii wide nocase
    $pay4 = ".onion" ascii wide nocase
    $ask1 = "decrypt" ascii wide nocase
    $ask2 = "private key" ascii wide nocase
  condition:
    filesize < 200KB and 1 of ($enc*) and 1 of ($pay*) and 1 of ($ask*)
}

rule mamori_packed_elf_upx
{
  meta:
    severity = "low"
    attack = "T1027.002"
    title_en = "Compressed (packed) Linux program"
    title_ja = "圧縮（パック）された Linux プログラム"
    summary_en = "The program is compressed with UPX. Ordinary Linux software is rarely packed; malware often is, to hide its contents. Not harmful by itself."
    summary_ja = "このプログラムは UPX で圧縮されています。通常の Linux ソフトウェアが圧縮されていることはまれで、不正なプログラムは中身を隠すためによく圧縮されています。これだけで害があるわけではありません。"
  strings:
    $upx1 = "UPX!" ascii
    $upx2 = "$Info: This file is packed with the UPX executable packer" ascii
  condition:
    uint32(0) == 0x464c457f and filesize < 50MB and $upx1 and $upx2
}
