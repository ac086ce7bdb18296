// Package scaffold runs Backstage Software Templates (scaffolder.backstage.io/v1beta3):
// the template model, parameter validation, the ${{ }} template language,
// the actions, and the job Runner with idempotency and progress events.
// It declares Publisher (what it needs of a Git host) and its job-state
// interfaces; adapters/github and adapters/redis implement them.
//
// It depends on catalog, never on a chat platform, GitHub or Redis directly.
package scaffold
