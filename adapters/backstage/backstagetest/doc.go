// Package backstagetest is a fake of a Backstage backend's catalog API for
// tests: GET /api/catalog/entities/by-query with opaque cursors (items,
// totalItems, pageInfo.nextCursor), the older GET /api/catalog/entities with
// offset and limit, and the default auth policy (a bearer token from
// backend.auth.externalAccess, with its plugin access restrictions). It can
// start refusing every request, or be started later on an address reserved
// in advance, so callers can test what happens while Backstage is away.
//
// It serves what it is given, entities and their relations as written: it
// computes nothing. It depends only on the standard library.
package backstagetest
