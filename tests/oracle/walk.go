package main

// Listing of the mounted container rootfs (the kernel's overlayfs view).

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

type fileEntry struct {
	Type      string     `json:"type"`
	Mode      uint32     `json:"mode"`
	UID       uint32     `json:"uid"`
	GID       uint32     `json:"gid"`
	Size      *int64     `json:"size,omitempty"`
	Link      *string    `json:"link,omitempty"`
	Dev       *[2]uint32 `json:"dev,omitempty"`
	Cap       *string    `json:"cap,omitempty"`
	Hardlinks *string    `json:"hardlinks,omitempty"`
}

type inodeKey struct {
	dev uint64
	ino uint64
}

func fileType(m uint32) string {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return "reg"
	case unix.S_IFDIR:
		return "dir"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFCHR:
		return "chr"
	case unix.S_IFBLK:
		return "blk"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "sock"
	}
	return fmt.Sprintf("unknown-%o", m&unix.S_IFMT)
}

// lgetxattr returns the attribute value, or nil when it is absent.
func lgetxattr(path, name string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(path, name, buf)
		if err == nil {
			return buf[:n], nil
		}
		if errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		if errors.Is(err, unix.ERANGE) {
			sz, err2 := unix.Lgetxattr(path, name, nil)
			if err2 != nil {
				return nil, err2
			}
			buf = make([]byte, sz+1)
			continue
		}
		return nil, err
	}
}

// walkRoot lists every path below root (root itself excluded) without
// following symlinks.
func walkRoot(ctx context.Context, root string) (map[string]*fileEntry, error) {
	files := map[string]*fileEntry{}
	inodes := map[inodeKey][]string{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			// overlayfs lists a directory that only one layer holds
			// straight from that layer, whiteouts included, but a
			// lookup of a whiteout fails: the name does not exist.
			if p != root && errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := "/" + filepath.ToSlash(rel)
		if !utf8.ValidString(name) {
			logf("warning: path %q is not valid UTF-8; JSON output replaces the bad bytes with U+FFFD", name)
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat_t", p)
		}
		e := &fileEntry{
			Type: fileType(st.Mode),
			Mode: st.Mode & 07777,
			UID:  st.Uid,
			GID:  st.Gid,
		}
		switch e.Type {
		case "reg":
			sz := st.Size
			e.Size = &sz
			k := inodeKey{uint64(st.Dev), st.Ino}
			inodes[k] = append(inodes[k], name)
		case "symlink":
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			e.Link = &t
		case "chr", "blk":
			d := [2]uint32{unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))}
			e.Dev = &d
		}
		capb, err := lgetxattr(p, "security.capability")
		if err != nil {
			return fmt.Errorf("getxattr %s: %w", p, err)
		}
		if capb != nil {
			h := hex.EncodeToString(capb)
			e.Cap = &h
		}
		files[name] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, names := range inodes {
		if len(names) < 2 {
			continue
		}
		min := names[0]
		for _, n := range names[1:] {
			if n < min {
				min = n
			}
		}
		for _, n := range names {
			m := min
			files[n].Hardlinks = &m
		}
	}
	return files, nil
}
