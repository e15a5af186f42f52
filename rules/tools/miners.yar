/*
 * miners.yar — cryptocurrency miners: their binaries, their pool URLs in
 * start scripts, and their JSON configs. A config file is scanned only
 * when it is executable or the policy sets yara.scan_all_files.
 */

rule miner_stratum_url
{
    meta:
        tool = "crypto miner"
        description = "mining pool URL (stratum protocol) in a script, config or binary"
        severity = "high"
        category = "miner"
    strings:
        $tcp = "stratum+tcp://" ascii wide nocase
        $ssl = "stratum+ssl://" ascii wide nocase
        $tls = "stratum+tls://" ascii wide nocase
        $v2 = "stratum2+tcp://" ascii wide nocase
        $v1 = "stratum1+tcp://" ascii wide nocase
    condition:
        any of them
}

rule miner_xmrig
{
    meta:
        tool = "xmrig"
        description = "XMRig Monero (RandomX/CryptoNight) miner"
        severity = "high"
        category = "miner"
    strings:
        $agent = "XMRig/%s"
        $donate_v2 = "donate.v2.xmrig.com"
        $donate_ssl = "donate.ssl.xmrig.com"
        $donate_opt = "--donate-level"
        $site = "https://xmrig.com"
        $randomx = "randomx" nocase fullword
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule miner_cpuminer
{
    meta:
        tool = "cpuminer"
        description = "cpuminer / minerd CPU miner"
        severity = "high"
        category = "miner"
    strings:
        $usage = "Usage: minerd [OPTIONS]"
        $algo = "specify the algorithm to use"
        $restart = "Stratum requested work restart"
        $coinbase = "--coinbase-addr"
        $name = "cpuminer" fullword
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule miner_config
{
    meta:
        tool = "crypto miner"
        description = "miner configuration (pools with wallet user, donate level or mining algorithm)"
        severity = "high"
        category = "miner"
    strings:
        $pools = /"pools"\s*:\s*\[/
        $donate = /"donate-level"\s*:/
        $algo = /"algo"\s*:\s*"(rx\/|cn\/|cn-|randomx|cryptonight|argon2|kawpow|ethash|etchash|autolykos|scrypt|sha256d|x11|x16r|equihash)/ nocase
        $coin = /"coin"\s*:\s*"(monero|xmr|wownero|ravencoin|rvn|ethereum classic|etc)"/ nocase
    condition:
        uint32be(0) != 0x7f454c46 and $pools and ($donate or $algo or $coin)
}

rule miner_command_line
{
    meta:
        tool = "crypto miner"
        description = "a miner started by its command line: a pool HOST:PORT with a wallet as the user (-o ... -u WALLET), a donate level, or a mining algorithm with a pool"
        severity = "high"
        category = "miner"
    strings:
        $pool_user = /\s(-o|--url)[ =]\s*[A-Za-z0-9.-]{1,253}:[0-9]{2,5}\s[^\n]{0,200}(-u|--user)[ =]\s*[0-9A-Za-z]{40,}/
        $donate = /\s--donate-level[ =]\s*[0-9]/
        $algo = /\s(-a|--algo)[ =]\s*(rx\/0|rx\/wow|rx\/arq|cn\/[a-z0-9]{1,8}|randomx|cryptonight|kawpow|ethash|etchash|autolykos2?)\b/ nocase
        $pool = /\s(-o|--url)[ =]\s*[A-Za-z0-9.+:\/-]{1,253}:[0-9]{2,5}\b/
    condition:
        uint32be(0) != 0x7f454c46 and ($pool_user or $donate or ($algo and $pool))
}
