// Command lua-health runs an Argo CD health script (resource.customizations.health.<group>_<Kind>)
// against each Kubernetes object on stdin, in a Lua VM set up as Argo CD sets up its own: gopher-lua
// without the standard libraries, then only package, base and table opened, os reachable only as
// require("os") and holding only time and date, the object as the global obj, one second to finish.
//
// Usage: kubectl get KIND NAME -o json | lua-health SCRIPT.lua
// Output: a JSON line per object, {"kind","name","status","message"}, status as Argo CD reads it
// from the returned table (Unknown when the script returns a status Argo CD does not know).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

var healthStatuses = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

type verdict struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kubectl get KIND NAME -o json | lua-health SCRIPT.lua")
		os.Exit(2)
	}
	script, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = run(string(script), os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lua-health:", err)
		os.Exit(1)
	}
}

func run(script string, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading JSON: %w", err)
		}
		objects := []any{doc}
		if items, ok := doc["items"].([]any); ok {
			objects = items
		}
		for _, o := range objects {
			obj, _ := o.(map[string]any)
			v, err := health(script, obj)
			if err != nil {
				return err
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
	}
}

func health(script string, obj map[string]any) (verdict, error) {
	meta, _ := obj["metadata"].(map[string]any)
	v := verdict{Kind: fmt.Sprint(obj["kind"]), Name: fmt.Sprint(meta["name"])}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			return v, err
		}
	}
	l.PreloadModule(lua.OsLibName, safeOs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return v, fmt.Errorf("%s %q: the script failed: %w", v.Kind, v.Name, err)
	}
	switch ret := l.Get(-1).(type) {
	case *lua.LTable:
		v.Status = lua.LVAsString(ret.RawGetString("status"))
		v.Message = lua.LVAsString(ret.RawGetString("message"))
		if !healthStatuses[v.Status] {
			v.Status, v.Message = "Unknown", "Lua returned an invalid health status"
		}
	case *lua.LNilType:
		// No verdict: Argo CD then keeps the health it would give without a script.
	default:
		return v, fmt.Errorf("%s %q: the script returned a %s, not a table", v.Kind, v.Name, ret.Type())
	}
	return v, nil
}

// safeOs is the os module with only time and date: nothing that exits, runs programs or reads files.
// The two are gopher-lua's own, taken from a scratch VM (a Go function belongs to no VM).
func safeOs(l *lua.LState) int {
	scratch := lua.NewState()
	defer scratch.Close()
	full := scratch.GetGlobal(lua.OsLibName).(*lua.LTable)
	mod := l.NewTable()
	for _, name := range []string{"time", "date"} {
		mod.RawSetString(name, l.NewFunction(full.RawGetString(name).(*lua.LFunction).GFunction))
	}
	l.Push(mod)
	return 1
}

// toLua converts decoded JSON as Argo CD converts an object: numbers become Lua numbers, arrays
// tables indexed from 1, null nil.
func toLua(l *lua.LState, value any) lua.LValue {
	switch x := value.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
