package fastyaml

import (
	"encoding/binary"
	"testing"
)

// TestNotPlainASCII checks the eight-byte test against the byte test for
// every byte value at every position, beside printable and unprintable
// neighbours (a borrow or carry must not hide or invent one).
func TestNotPlainASCII(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c != 0x7f && c < 0x80 }
	for _, fill := range []byte{'a', ' ', '~', 0x00, 0x1f, 0x7f, 0x80, 0xff} {
		for pos := 0; pos < 8; pos++ {
			for b := 0; b < 256; b++ {
				var buf [8]byte
				for i := range buf {
					buf[i] = fill
				}
				buf[pos] = byte(b)
				want := false
				for _, c := range buf {
					want = want || !plain(c)
				}
				if got := notPlainASCII(binary.LittleEndian.Uint64(buf[:])); got != want {
					t.Fatalf("%q: notPlainASCII = %v, want %v", buf, got, want)
				}
			}
		}
	}
}
