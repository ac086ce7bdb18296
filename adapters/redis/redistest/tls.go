package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// TLSServer is a private redis-server that speaks only TLS (its tls-port;
// the plain port is off), with a certificate authority, server and client
// certificates made for the test.
type TLSServer struct {
	// Addr is 127.0.0.1:port of the TLS listener.
	Addr string
	// CAFile is the PEM of the authority that signed both certificates;
	// CertFile and KeyFile a client certificate and its key.
	CAFile, CertFile, KeyFile string
	// ServerName is a name the server's certificate carries (besides
	// 127.0.0.1): "redis.callboard.test".
	ServerName string
}

// TLSConfig chooses what the TLS server asks of clients.
type TLSConfig struct {
	// ClientCerts makes a client certificate mandatory (tls-auth-clients yes).
	ClientCerts bool
}

// StartTLS starts a TLS-only redis-server, stopped when the test ends.
func StartTLS(t testing.TB, cfg TLSConfig) *TLSServer {
	t.Helper()
	require(t, "redis-server", Missing)
	dir := t.TempDir()
	f, err := makeTLSFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &TLSServer{ServerName: f.serverName, CAFile: f.ca, CertFile: f.clientCert, KeyFile: f.clientKey}
	port := strconv.Itoa(freePort(t))
	s.Addr = "127.0.0.1:" + port
	auth := "optional"
	if cfg.ClientCerts {
		auth = "yes"
	}
	args := append([]string{"--bind", "127.0.0.1", "--port", "0", "--tls-port", port, "--tls-auth-clients", auth,
		"--dir", dir, "--save", "", "--appendonly", "no"}, f.serverArgs()...)
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := waitPing(s.Addr, &goredis.Options{TLSConfig: s.ClientTLS(t)}, 10*time.Second); err != nil {
		t.Fatalf("TLS redis-server (does this redis-server build have TLS?): %v", err)
	}
	return s
}

// tlsFiles are the PEM files of a test authority, a server certificate and
// a client certificate.
type tlsFiles struct {
	ca, serverCert, serverKey, clientCert, clientKey string
	serverName                                       string
}

func (f tlsFiles) serverArgs() []string {
	return []string{"--tls-cert-file", f.serverCert, "--tls-key-file", f.serverKey, "--tls-ca-cert-file", f.ca}
}

// makeTLSFiles writes a new authority and certificates into dir.
func makeTLSFiles(dir string) (tlsFiles, error) {
	f := tlsFiles{serverName: "redis.callboard.test"}
	ca, caKey, err := newCert(nil, nil, "callboard test CA", true)
	if err != nil {
		return f, err
	}
	srv, srvKey, err := newCert(ca, caKey, f.serverName, false)
	if err != nil {
		return f, err
	}
	cli, cliKey, err := newCert(ca, caKey, "callboard test client", false)
	if err != nil {
		return f, err
	}
	write := func(dst *string, name, typ string, der []byte) {
		p := filepath.Join(dir, name)
		if err == nil {
			err = os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
		}
		*dst = p
	}
	keyDER := func(k *ecdsa.PrivateKey) []byte {
		b, kerr := x509.MarshalPKCS8PrivateKey(k)
		if err == nil {
			err = kerr
		}
		return b
	}
	write(&f.ca, "ca.pem", "CERTIFICATE", ca.Raw)
	write(&f.serverCert, "server.pem", "CERTIFICATE", srv.Raw)
	write(&f.serverKey, "server-key.pem", "PRIVATE KEY", keyDER(srvKey))
	write(&f.clientCert, "client.pem", "CERTIFICATE", cli.Raw)
	write(&f.clientKey, "client-key.pem", "PRIVATE KEY", keyDER(cliKey))
	return f, err
}

// ClientTLS is a tls.Config trusting the test authority, with the client
// certificate: for a test's own admin client.
func (s *TLSServer) ClientTLS(t testing.TB) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, ServerName: s.ServerName}
}

var serial atomic.Int64

// newCert makes a certificate for name signed by parent (self-signed when
// parent is nil); a leaf also carries 127.0.0.1 and localhost.
func newCert(parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.DNSNames = []string{name, "localhost"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

// TLSAdmin is a client of the TLS server as its default user (to create
// ACL users), closed when the test ends.
func TLSAdmin(t testing.TB, s *TLSServer) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr, TLSConfig: s.ClientTLS(t)})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
