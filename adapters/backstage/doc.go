// Package backstage reads the catalog of an existing Backstage instance
// through its catalog REST API (/api/catalog/entities/by-query with cursor
// pagination, falling back to /api/catalog/entities with offset and limit on
// older backends), so an organisation that already runs Backstage can ask
// callboard about it in chat.
//
// It authenticates with a bearer token (a static token of Backstage's
// backend.auth.externalAccess, or one its JWKS entry verifies); a refusal is
// an *AuthError that says what to configure. Relations Backstage serves are
// kept as Entity.SourceRelations, for catalog.Build to merge with those of
// spec. Links point at the Backstage UI when its URL is given. backstagetest
// fakes the API for tests.
//
// It implements catalog.Source and depends only on catalog and the standard
// library; it must not depend on bot, scaffold or other adapters.
package backstage
