// Command render is a test-only stand-in for `helm template`, for machines without Helm (Debian does not package
// it). It is Helm's engine in miniature: Go's text/template with the sprig functions plus Helm's own (include, tpl,
// required, toYaml, fromYaml, toJson, fromJson, lookup returning nothing), values.yaml merged with -f files and
// --set-json documents as Helm coalesces them, .Release, .Chart, .Capabilities, .Template, the templates/_*.tpl
// partials, NOTES.txt only with --notes. The chart does not depend on it; nothing in Windsock does.
//
// Build offline against Debian's packages (golang-go, golang-github-masterminds-sprig-dev):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS=-mod=mod go build -o render test/helm/render.go
//
// Usage: render CHART [-f values.yaml]... [--set-json '{"a":{"b":1}}']... [--name R] [--namespace NS]
//
//	[--notes] [--values-out FILE] [--kube-version v1.31.0]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
)

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
}
type kubeVersion struct{ Version, Major, Minor, GitVersion string }
type apiVersions []string

// Has reports whether an API version ("monitoring.coreos.com/v1") or a version/kind is available, as Helm's does.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// jsonish turns YAML-decoded data into what Helm's values are: JSON types (float64 numbers, string-keyed maps).
func jsonish(v interface{}) (interface{}, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(b, &out)
	return out, err
}

func readYAML(text []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml3.Unmarshal(text, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	v, err := jsonish(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, errors.New("values must be a mapping")
	}
	return m, nil
}

// merge lays src over dst as Helm coalesces user values over the chart's: maps merge, anything else replaces,
// and a null deletes the key.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			dst[k] = merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// toYAML is Helm's toYaml (sigs.k8s.io/yaml): through JSON, then YAML from it, so whole numbers print as
// integers (2592000, not 2.592e+06) and keys sorted.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml2.Unmarshal(j, &obj); err != nil {
		return ""
	}
	b, err := yaml2.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m, err := readYAML([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	var chartDir, name, namespace, valuesOut, kubeVer = "", "release-name", "default", "", "v1.31.0"
	var valueFiles, setJSON []string
	notes := false
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		next := func() string {
			i++
			if i >= len(args) {
				fail("%s needs a value", args[i-1])
			}
			return args[i]
		}
		switch args[i] {
		case "-f", "--values":
			valueFiles = append(valueFiles, next())
		case "--set-json":
			setJSON = append(setJSON, next())
		case "--name":
			name = next()
		case "--namespace", "-n":
			namespace = next()
		case "--values-out":
			valuesOut = next()
		case "--kube-version":
			kubeVer = next()
		case "--notes":
			notes = true
		default:
			if chartDir != "" {
				fail("unexpected argument %q", args[i])
			}
			chartDir = args[i]
		}
	}
	if chartDir == "" {
		fail("usage: render CHART [-f values.yaml]... [--set-json JSON]... [--name R] [--namespace NS] [--notes]")
	}

	chartText, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		fail("%v", err)
	}
	chartMeta, err := readYAML(chartText)
	if err != nil {
		fail("Chart.yaml: %v", err)
	}
	chart := map[string]interface{}{}
	for k, v := range chartMeta { // Helm exposes Chart.yaml's fields capitalised: .Chart.Name, .Chart.AppVersion
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}
	chartName, _ := chart["Name"].(string)

	values := map[string]interface{}{}
	if text, err := os.ReadFile(filepath.Join(chartDir, "values.yaml")); err == nil {
		if values, err = readYAML(text); err != nil {
			fail("values.yaml: %v", err)
		}
	}
	for _, f := range valueFiles {
		text, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		m, err := readYAML(text)
		if err != nil {
			fail("%s: %v", f, err)
		}
		values = merge(values, m)
	}
	for _, s := range setJSON {
		var m map[string]interface{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			fail("--set-json: %v", err)
		}
		values = merge(values, m)
	}
	if valuesOut != "" {
		if err := os.WriteFile(valuesOut, []byte(toJSON(values)), 0o644); err != nil {
			fail("%v", err)
		}
	}

	m := regexp.MustCompile(`^v?(\d+)\.(\d+)`).FindStringSubmatch(kubeVer)
	if m == nil {
		fail("--kube-version %q is not vMAJOR.MINOR.PATCH", kubeVer)
	}
	caps := capabilities{
		KubeVersion: kubeVersion{Version: kubeVer, Major: m[1], Minor: m[2], GitVersion: kubeVer},
		APIVersions: apiVersions{"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "policy/v1"},
	}
	release := map[string]interface{}{"Name": name, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1}

	// Every file under templates/ joins one template set, named as Helm names them: <chart>/templates/<file>.
	t := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these two: a chart must not read the renderer's environment
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["toJson"] = toJSON
	funcs["fromJson"] = fromJSON
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // as `helm template`: no cluster to look in
	}
	funcs["include"] = func(string, interface{}) (string, error) { return "", errors.New("not bound") }
	funcs["tpl"] = func(string, interface{}) (string, error) { return "", errors.New("not bound") }
	t.Funcs(funcs)

	tplDir := filepath.Join(chartDir, "templates")
	var files []string
	err = filepath.Walk(tplDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		fail("%v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		rel, _ := filepath.Rel(chartDir, f)
		text, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		if _, err := t.New(path.Join(chartName, filepath.ToSlash(rel))).Parse(string(text)); err != nil {
			fail("parse error: %v", err)
		}
	}
	includeDepth := 0
	t.Funcs(template.FuncMap{
		"include": func(name string, data interface{}) (string, error) {
			if includeDepth++; includeDepth > 1000 {
				return "", errors.New("rendering template has a nested reference name: " + name)
			}
			defer func() { includeDepth-- }()
			var buf bytes.Buffer
			err := t.ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"tpl": func(text string, data interface{}) (string, error) {
			c, err := t.Clone()
			if err != nil {
				return "", err
			}
			if _, err := c.New("tpl").Parse(text); err != nil {
				return "", err
			}
			var buf bytes.Buffer
			err = c.ExecuteTemplate(&buf, "tpl", data)
			return strings.ReplaceAll(buf.String(), "<no value>", ""), err
		},
	})

	var out strings.Builder
	failed := false
	for _, f := range files {
		rel, _ := filepath.Rel(chartDir, f)
		rel = filepath.ToSlash(rel)
		base := path.Base(rel)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || (isNotes && !notes) || (!isNotes && !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".tpl")) {
			continue
		}
		tname := path.Join(chartName, rel)
		data := map[string]interface{}{
			"Values": values, "Release": release, "Chart": chart, "Capabilities": caps,
			"Template": map[string]interface{}{"Name": tname, "BasePath": path.Join(chartName, "templates")},
			"Files":    map[string]interface{}{},
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, tname, data); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", err)
			failed = true
			continue
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			out.WriteString("NOTES:\n" + text + "\n")
			continue
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(text, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", tname, strings.Trim(doc, "\n"))
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Print(out.String())
}
