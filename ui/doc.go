// Package ui is sitrep's console: a Bubble Tea v2 program showing the
// board of active incidents, each incident's checklist, timeline,
// notifications, review and details, and the wallboard for shared screens.
//
// A program takes everything from outside (store, hub, actor, clock,
// size) and keeps no package-level state, so many programs can share one
// process over SSH. The render path never queries the database: a Hub loads
// the board once per change for the whole process, and each program loads
// the incident it shows in a command, off the update loop.
package ui
