//go:build mage

package main

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// API groups the targets of the GraphQL and REST API.
type API mg.Namespace

// Generate regenerates the GraphQL executor and models from api/graphql/schema.graphql.
// Resolver bodies in internal/api/graphql/schema.resolvers.go are kept.
func (API) Generate() error {
	return sh.RunV("go", "tool", "gqlgen", "generate", "--config", "api/graphql/gqlgen.yml")
}

// Check fails when the generated GraphQL code is not what the schema generates.
func (API) Check() error {
	if err := (API{}).Generate(); err != nil {
		return err
	}
	out, err := exec.Command("git", "status", "--porcelain", "internal/api/graphql").Output()
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return fmt.Errorf("the generated GraphQL code is stale (run go run mage.go api:generate and commit):\n%s", s)
	}
	return nil
}

// OpenAPI rewrites api/openapi.yaml and the permission table of docs/api.md.
func (API) OpenAPI() error {
	return sh.RunV("go", "test", "./internal/api", "-run", "TestOpenAPIDocumentIsCurrent|TestAPIDocIsCurrent", "-update")
}
