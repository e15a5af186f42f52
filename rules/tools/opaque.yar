/*
 * opaque.yar — content the scan cannot read: an archive in a format
 * portcullis does not open (7z, RAR, the filesystem images and archives
 * and the compressed streams below), a zip member encrypted with a
 * password, or a file encrypted by openssl enc or age. A program of the
 * image (7z, unrar, bsdtar, unzip -P, Python's zipfile, openssl enc -d,
 * age -d, with a password or key the image or the run holds) can unpack
 * or decrypt a tool from it when it runs, and no rule ever saw its
 * bytes. Category "opaque": a policy that accepts such files sets it to
 * warn (checks.suspicious-tool.categories). Found where the file's bytes
 * are scanned: a file, or an archive member, read whole or in blocks; an
 * encrypted zip member is read as its local header (lib/yara/members.h),
 * so one in a zip of any size is found as the member.
 */

rule archive_7z
{
    meta:
        tool = "7z archive"
        description = "a 7-Zip archive, which portcullis does not open: what it holds is not scanned, and 7z, 7za or bsdtar in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = { 37 7A BC AF 27 1C }
    condition:
        $magic at 0
}

rule archive_rar
{
    meta:
        tool = "RAR archive"
        description = "a RAR archive (RAR 4 or 5), which portcullis does not open: what it holds is not scanned, and unrar, 7z or bsdtar in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $rar4 = { 52 61 72 21 1A 07 00 }
        $rar5 = { 52 61 72 21 1A 07 01 00 }
    condition:
        $rar4 at 0 or $rar5 at 0
}

rule zip_encrypted_member
{
    meta:
        tool = "encrypted zip member"
        description = "a zip archive with a member encrypted with a password (ZipCrypto or AES): its content cannot be scanned, and unzip -P, 7z -p or Python's zipfile with the password unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        // a local header whose general purpose flags (the byte after the
        // version needed) say encrypted: bit 0
        $local = { 50 4B 03 04 ?? 00 ( ?1 | ?3 | ?5 | ?7 | ?9 | ?B | ?D | ?F ) }
    condition:
        // the archive starts with a local header; one of its members is
        // encrypted and in a method zip readers know (stored, deflate,
        // bzip2, LZMA, zstd, xz, AES's 99)
        $local and uint32(0) == 0x04034b50 and for any i in (1..#local): (
            uint16(@local[i] + 8) == 0 or uint16(@local[i] + 8) == 8 or
            uint16(@local[i] + 8) == 12 or uint16(@local[i] + 8) == 14 or
            uint16(@local[i] + 8) == 93 or uint16(@local[i] + 8) == 95 or
            uint16(@local[i] + 8) == 99)
}

/*
 * Filesystem images and the other archive formats a Linux program unpacks
 * without root: unsquashfs, sqfscat and squashfuse read a squashfs image
 * (an AppImage is a program with one appended, and unpacks itself with
 * --appimage-extract, no FUSE needed); bsdtar, 7z, osirrox and isoinfo
 * read an ISO 9660 or UDF image; cabextract, gcab and bsdtar a cabinet;
 * lzop and bsdtar an lzop stream; bsdtar a xar or LHA archive. The
 * magic numbers and header fields are the formats' own (squashfs's
 * superblock, ECMA-119's volume descriptor at sector 16, ECMA-167's
 * volume recognition sequence, the cabinet header, lzop's nine bytes,
 * xar's header, an LHA level 0-2 header's method id).
 */

rule archive_squashfs
{
    meta:
        tool = "squashfs image"
        description = "a squashfs filesystem image, which portcullis does not open: what it holds is not scanned, and unsquashfs, sqfscat or squashfuse in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $le = "hsqs"
        $be = "sqsh"
    condition:
        // magic "hsqs" (little endian) or "sqsh" (big endian, squashfs
        // 1-3), the major version (1-4) at offset 28, and for version 4
        // a block size that is 2 to the block log
        filesize >= 96 and
        (($le at 0 and uint16(28) >= 1 and uint16(28) <= 4 and
          (uint16(28) != 4 or (uint16(22) <= 20 and uint32(12) == 1 << uint16(22)))) or
         ($be at 0 and uint16be(28) >= 1 and uint16be(28) <= 3))
}

rule archive_appimage
{
    meta:
        tool = "AppImage"
        description = "an AppImage: a program with a filesystem image appended (squashfs, or ISO 9660 for type 1), which portcullis does not open: what it holds is not scanned, and it runs or unpacks itself (--appimage-extract) when the run starts it"
        severity = "medium"
        category = "opaque"
    strings:
        $ai = { 41 49 ( 01 | 02 ) }
    condition:
        // the ELF header's padding carries "AI" and the type (1 or 2)
        uint32be(0) == 0x7f454c46 and $ai at 8
}

rule archive_iso9660
{
    meta:
        tool = "ISO 9660 or UDF image"
        description = "a CD/DVD filesystem image (ISO 9660 or UDF), which portcullis does not open: what it holds is not scanned, and bsdtar, 7z, osirrox or isoinfo in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $iso = "CD001"
        $udf = "BEA01"
    condition:
        // the first volume descriptor at sector 16 (32 KiB): a type byte,
        // then the standard identifier
        $iso at 32769 or $udf at 32769 // 0x8001
}

rule archive_cab
{
    meta:
        tool = "cabinet archive"
        description = "a Microsoft cabinet (.cab), which portcullis does not open: what it holds is not scanned, and cabextract, gcab, bsdtar or 7z in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = "MSCF"
    condition:
        // "MSCF", a reserved zero, the format version 1.3
        $magic at 0 and uint32(4) == 0 and uint8(24) == 3 and uint8(25) == 1
}

rule archive_lzop
{
    meta:
        tool = "lzop stream"
        description = "an lzop-compressed stream (.lzo), which portcullis does not decode: what it holds is not scanned, and lzop or bsdtar in the image decode it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = { 89 4C 5A 4F 00 0D 0A 1A 0A }
    condition:
        $magic at 0
}

rule archive_xar
{
    meta:
        tool = "xar archive"
        description = "a xar archive (.xar, .pkg), which portcullis does not open: what it holds is not scanned, and bsdtar or xar in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = "xar!"
    condition:
        // "xar!", a header of at least 28 bytes, version 1
        $magic at 0 and uint16be(4) >= 28 and uint16be(6) == 1
}

rule archive_lha
{
    meta:
        tool = "LHA archive"
        description = "an LHA/LZH archive, which portcullis does not open: what it holds is not scanned, and bsdtar, lha or 7z in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $lh = { 2D 6C ( 68 | 7A ) ?? 2D }
    condition:
        // the first header's method id "-lh?-" or "-lz?-" at offset 2,
        // after its size (levels 0 and 1) or its length's low byte
        // (level 2), with the level at offset 20 (0, 1 or 2)
        filesize >= 24 and $lh at 2 and uint8(20) <= 2
}

/*
 * Compressors and archivers whose streams no reader of portcullis
 * decodes, each known by its own header: arj unpacks an ARJ archive (the
 * main header: id 0x60 0xEA, its sizes, versions, host and file type
 * 2), lrzip an lrzip stream ("LRZI", major version 0), rzip an rzip
 * stream ("RZIP", its 24-byte header), zpaq a ZPAQ archive (zpaq 7's
 * locator tag before a "zPQ" block, or a bare block as the streaming
 * format writes it; one encrypted with -key starts with a random salt
 * and no rule knows it).
 */

rule archive_arj
{
    meta:
        tool = "ARJ archive"
        description = "an ARJ archive, which portcullis does not open: what it holds is not scanned, and arj or 7z in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        // the main header's id, then (as below) the high byte of the
        // basic header's size, the versions, the host OS, and file type 2:
        // a string long enough for the prefilter to pass other files over
        $id = { 60 EA ?? 0? ?? 0? 0? 0? ?? ?? 02 }
    condition:
        // the main header: the basic header's size (30 to 2600, arj's
        // HEADERSIZE_MAX), the first header's size (at least 30, within
        // the basic header), the archiver version (1 to 15; arj 3.10
        // writes 11) and the version needed to extract (1 to that), the
        // host OS (0 MS-DOS to 11 Win32) and the file type 2 (main
        // header); then the header's CRC and the extended header's size
        filesize >= uint16(2) + 10 and $id at 0 and
        uint16(2) >= 30 and uint16(2) <= 2600 and
        uint8(4) >= 30 and uint8(4) <= uint16(2) and
        uint8(5) >= 1 and uint8(5) <= 15 and uint8(6) >= 1 and uint8(6) <= uint8(5) and
        uint8(7) <= 11 and uint8(10) == 2
}

rule archive_lrzip
{
    meta:
        tool = "lrzip stream"
        description = "an lrzip-compressed stream (.lrz), which portcullis does not decode: what it holds is not scanned, and lrzip (lrunzip) in the image decodes it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = "LRZI"
    condition:
        // "LRZI", the major version 0 and a minor version (lrzip 0.651
        // writes 6), then the expected size (or the salt of an encrypted
        // stream)
        filesize >= 14 and $magic at 0 and uint8(4) == 0 and uint8(5) >= 1 and uint8(5) <= 31
}

rule archive_rzip
{
    meta:
        tool = "rzip stream"
        description = "an rzip-compressed stream (.rz), which portcullis does not decode: what it holds is not scanned, and rzip -d (runzip) in the image decodes it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = "RZIP"
    condition:
        // rzip's 24-byte header: "RZIP", the major (1 or 2; rzip 2.1
        // writes 2) and minor version, the expected size as two 32-bit
        // words, and zeros to its end
        filesize >= 24 and $magic at 0 and uint8(4) >= 1 and uint8(4) <= 2 and uint8(5) <= 9 and
        uint32(14) == 0 and uint32(18) == 0 and uint16(22) == 0
}

rule archive_zpaq
{
    meta:
        tool = "ZPAQ archive"
        description = "a ZPAQ archive (.zpaq), which portcullis does not open: what it holds is not scanned, and zpaq in the image unpacks it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $tag = { 37 6B 53 74 A0 31 83 D3 8C B2 28 B0 D3 }
        $block = { 7A 50 51 ( 01 | 02 ) 01 }
    condition:
        // a block: "zPQ", the level (1 or 2) and the type 1 (ZPAQL);
        // zpaq 7 writes its 13-byte locator tag before each
        ($tag at 0 and $block at 13) or $block at 0
}

/*
 * Encrypted files: the content is there, but only a key opens it, and a
 * key is a few bytes an image can hold anywhere (a variable, a file, the
 * command line). openssl enc writes "Salted__" and its 8-byte salt
 * before the cipher text (with -salt, the default); age writes its
 * header, "age-encryption.org/v1" and a recipient stanza, or the same
 * armored as text (age -a).
 */

rule encrypted_openssl_enc
{
    meta:
        tool = "openssl enc output"
        description = "a file encrypted by openssl enc with a salt, which no rule can read: what it holds is not scanned, and openssl enc -d in the image decrypts it with a password the image or the run holds"
        severity = "medium"
        category = "opaque"
    strings:
        $salted = "Salted__"
    condition:
        // "Salted__", the 8 bytes of the salt (openssl enc -S sets them:
        // any bytes, text too) and at least one cipher block
        filesize >= 24 and $salted at 0
}

rule encrypted_age
{
    meta:
        tool = "age-encrypted file"
        description = "a file encrypted by age, which no rule can read: what it holds is not scanned, and age -d (or rage) in the image decrypts it with a key or passphrase the image or the run holds"
        severity = "medium"
        category = "opaque"
    strings:
        $binary = "age-encryption.org/v1\n-> "
        $armored = "-----BEGIN AGE ENCRYPTED FILE-----"
    condition:
        // the header's version line and its first recipient stanza, or
        // the armor's first line
        $binary at 0 or $armored at 0
}

/*
 * Programs that carry a script or a program encrypted inside them and
 * run it when started: what runs is in no bytes a rule can read.
 */

rule packed_shc_script
{
    meta:
        tool = "shc-compiled script"
        description = "a shell script compiled by shc: the script is RC4-encrypted inside the program, which decrypts it and hands it to the shell when it runs, so no rule can read what it does"
        severity = "medium"
        category = "opaque"
    strings:
        // shc's runtime: its message when it cannot find itself, and the
        // formats of the variable it checks its own start with
        $self = "E: neither argv[0] nor $_ works."
        $fmt = "%lu %d%c"
    condition:
        uint32(0) == 0x464c457f and all of them
}
