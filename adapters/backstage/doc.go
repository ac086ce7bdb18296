// Package backstage reads the catalog of an existing Backstage instance
// through its catalog REST API (/api/catalog/entities/by-query with cursor
// pagination, falling back to /api/catalog/entities with offset and limit on
// older backends), so an organisation that already runs Backstage can ask
// callboard about it in chat.
//
// It implements catalog.Source and depends only on catalog and the standard
// library; it must not depend on bot, scaffold or other adapters.
package backstage
