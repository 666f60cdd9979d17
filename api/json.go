package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// apiError is the one shape of every error.
type apiError struct {
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
	Column int    `json:"column,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, e apiError) { writeJSON(w, status, e) }

func (a *API) internal(w http.ResponseWriter, err error) {
	a.Log.Error("api", "error", err)
	writeError(w, http.StatusInternalServerError, apiError{Error: "internal error"})
}

// decode reads a JSON body, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeJSON(w, r.Body, v, "")
}

// decodeJSON reads one JSON value into v, refusing fields that v does
// not have, and answers the request with an error naming the part of the
// body, in ("" for the whole of it), if it cannot.
func decodeJSON(w http.ResponseWriter, rd io.Reader, v any, in string) bool {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return true
		}
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			err = errors.New("data after the JSON value")
		}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, apiError{Error: fmt.Sprintf("request body larger than %d bytes", maxBody)})
		return false
	}
	msg, field := err.Error(), in
	var typeErr *json.UnmarshalTypeError
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		field = strings.Trim(in+"."+strings.Trim(f, `"`), ".")
		msg = fmt.Sprintf("unknown field %s (known: %s)", f, knownFields(v))
	} else if errors.As(err, &typeErr) {
		msg = fmt.Sprintf("want %s, not %s", kindName(typeErr.Type), valueName(typeErr.Value))
		if typeErr.Field != "" {
			field = strings.Trim(in+"."+typeErr.Field, ".")
			msg = typeErr.Field + ": " + msg
		}
	}
	if in != "" {
		msg = in + ": " + msg
	}
	writeError(w, http.StatusBadRequest, apiError{Error: "body: " + msg, Field: field})
	return false
}

// knownFields lists the JSON fields of the struct v points to.
func knownFields(v any) string {
	t := reflect.TypeOf(v).Elem()
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// valueName names the kind of JSON value that an UnmarshalTypeError
// reports ("string", "number 5", ...).
func valueName(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "true or false"
	}
	return "a " + kind
}

// kindName says what JSON a Go type is decoded from.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return kindName(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}
