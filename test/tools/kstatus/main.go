// Command kstatus prints the status kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status) computes for
// each Kubernetes object on stdin, the verdict Flux, Helm's --wait and kpt reach from the same object.
//
// Input: JSON objects, one after another, as `kubectl get -o json` writes them; a List's items are
// read one by one. Output: a JSON line per object, {"kind","namespace","name","status","message"}.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Message   string `json:"message"`
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: kubectl get KIND NAME -o json | kstatus")
		os.Exit(2)
	}
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	for {
		var doc json.RawMessage
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading JSON: %w", err)
		}
		items, err := itemsOf(doc)
		if err != nil {
			return err
		}
		for _, item := range items {
			v, err := compute(item)
			if err != nil {
				return err
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
	}
}

// itemsOf gives a List's items, or the object itself.
func itemsOf(doc json.RawMessage) ([]json.RawMessage, error) {
	var list struct {
		Items *[]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(doc, &list); err != nil {
		return nil, fmt.Errorf("reading JSON: %w", err)
	}
	if list.Items != nil {
		return *list.Items, nil
	}
	return []json.RawMessage{doc}, nil
}

func compute(raw json.RawMessage) (verdict, error) {
	// The unstructured decoder keeps integers as int64, as kstatus reads generation and observedGeneration.
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return verdict{}, fmt.Errorf("reading an object: %w", err)
	}
	res, err := status.Compute(u)
	if err != nil {
		return verdict{}, fmt.Errorf("%s %q: %w", u.GetKind(), u.GetName(), err)
	}
	return verdict{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Status: res.Status.String(), Message: res.Message}, nil
}
