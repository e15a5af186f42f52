// y2j: standard input (one YAML document) to JSON with sigs.k8s.io/yaml's
// strict conversion (go-yaml v2, then encoding/json), as Kubernetes reads
// a manifest; "ERR message" when it refuses. The reference
// tests/integration/manifest.sh compares src/cli_manifest.c with.
package main

import (
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	out, err := yaml.YAMLToJSONStrict(in)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	fmt.Println(string(out))
}
