package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// singlePutMax is the largest blob sent in one PUT. Put reads up to this
// much into memory; a blob that turns out larger goes up in parts of this
// size (S3's least part size), which the bucket joins only once the last
// part has arrived.
const singlePutMax = 5 << 20

// S3 is a Store that keeps each blob as an object of an S3-compatible
// bucket (Amazon S3, MinIO, Ceph, Garage…); the key "a/b" is the object
// prefix+"a/b". Several servers share it without a shared file system. An
// object appears only once its whole body has been received, so Put is
// atomic; Rename is a server-side copy followed by a delete of the source,
// which is atomic for the target key.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// S3Config is where an S3 store's bucket is and how to sign in to it.
type S3Config struct {
	Endpoint     string // host:port
	Secure       bool   // https
	Region       string // empty: the endpoint's default
	Bucket       string
	Prefix       string // "" or ending in "/"
	AccessKey    string
	SecretKey    string
	SessionToken string
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint: what MinIO and most self-hosted servers want.
	PathStyle bool
}

// ParseS3URL reads s3://bucket[/prefix]?endpoint=…&region=…&path_style=…
// The endpoint is host:port (https) or a URL whose scheme says http or
// https; without one the endpoint is Amazon's s3.amazonaws.com. Access keys
// may be given as the URL's user and password; otherwise creds apply.
func ParseS3URL(raw string, creds S3Config) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, fmt.Errorf("blob: %w", err)
	}
	if u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("blob: %q is not an s3:// URL", raw)
	}
	if u.Host == "" {
		return S3Config{}, errors.New("blob: the s3:// URL names no bucket")
	}
	c := creds
	c.Bucket = u.Host
	c.Prefix = strings.Trim(u.Path, "/")
	if c.Prefix != "" {
		c.Prefix += "/"
	}
	if u.User != nil {
		c.AccessKey = u.User.Username()
		c.SecretKey, _ = u.User.Password()
		c.SessionToken = ""
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "path_style":
		default:
			return S3Config{}, fmt.Errorf("blob: unknown s3:// URL parameter %q (endpoint, region, path_style)", k)
		}
	}
	if r := q.Get("region"); r != "" {
		c.Region = r
	}
	c.Endpoint, c.Secure = "s3.amazonaws.com", true
	if e := q.Get("endpoint"); e != "" {
		if strings.Contains(e, "://") {
			eu, err := url.Parse(e)
			if err != nil || eu.Host == "" || (eu.Scheme != "http" && eu.Scheme != "https") {
				return S3Config{}, fmt.Errorf("blob: the endpoint %q must be host:port or an http(s):// URL", e)
			}
			c.Endpoint, c.Secure = eu.Host, eu.Scheme == "https"
		} else {
			c.Endpoint = e
		}
		// A self-hosted endpoint seldom has a DNS name per bucket.
		c.PathStyle = true
	}
	if v := q.Get("path_style"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, fmt.Errorf("blob: path_style must be true or false, not %q", v)
		}
		c.PathStyle = b
	}
	return c, nil
}

// NewS3 connects to the bucket of c and checks that it exists.
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	lookup := minio.BucketLookupDNS
	if c.PathStyle {
		lookup = minio.BucketLookupPath
	}
	var cr *credentials.Credentials
	if c.AccessKey != "" {
		cr = credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken)
	} else {
		// Instance or pod identity (IAM roles), or anonymous access.
		cr = credentials.NewIAM("")
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds:        cr,
		Secure:       c.Secure,
		Region:       c.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 client: %w", err)
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: reach bucket %s at %s: %w", c.Bucket, c.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: bucket %s does not exist at %s", c.Bucket, c.Endpoint)
	}
	return &S3{client: client, bucket: c.Bucket, prefix: c.Prefix}, nil
}

func (s *S3) object(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Put uploads r to key. A body of at most singlePutMax bytes is read whole
// before anything is sent, so an error of r sends nothing; a larger one
// goes up in parts and an error of r aborts the upload, leaving what key
// held.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var head bytes.Buffer
	n, err := io.Copy(&head, io.LimitReader(ctxReader{ctx: ctx, r: r}, singlePutMax+1))
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", SendContentMd5: true}
	if n <= singlePutMax {
		_, err = s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(head.Bytes()), n, opts)
	} else {
		// Each part carries its MD5, which the bucket checks; its SHA-256
		// is not streamed in signed chunks, which not every S3-compatible
		// server takes apart for parts.
		opts.PartSize = singlePutMax
		opts.DisableContentSha256 = true
		body := &errReader{r: io.MultiReader(&head, ctxReader{ctx: ctx, r: r})}
		_, err = s.client.PutObject(ctx, s.bucket, name, body, -1, opts)
		if body.err != nil {
			// The upload was aborted because of the reader: say why.
			return fmt.Errorf("blob: put %s: %w", key, body.err)
		}
	}
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open returns the object's bytes; the caller closes the reader.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.translate(err, "open", key)
	}
	// GetObject sends nothing until the first read; Stat makes it ask, so
	// that a missing key is reported here.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.translate(err, "open", key)
	}
	return obj, nil
}

// Exists reports whether an object is stored under key.
func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	name, err := s.object(key)
	if err != nil {
		return false, err
	}
	if _, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); err != nil {
		if isNoSuchKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return true, nil
}

// Rename copies from to to inside the bucket, then deletes from.
func (s *S3) Rename(ctx context.Context, from, to string) error {
	src, err := s.object(from)
	if err != nil {
		return err
	}
	dst, err := s.object(to)
	if err != nil {
		return err
	}
	_, err = s.client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.bucket, Object: dst},
		minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	if err != nil {
		return s.translate(err, "rename", from)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, src, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: rename %s: remove the source: %w", from, err)
	}
	return nil
}

// Delete removes the object at key; a missing key is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

func (s *S3) translate(err error, op, key string) error {
	if isNoSuchKey(err) {
		return notFound(key)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

func isNoSuchKey(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == minio.NoSuchKey || r.StatusCode == 404 && r.Code != minio.NoSuchBucket
}

// errReader remembers the first error of its reader.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}
