package dev.nana.supervisor.state;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.stream.Collectors;

/**
 * What went wrong in a JSON file, said without quoting the file: Jackson's own messages echo the
 * token they stumbled on, and a file read through a planted symlink could be anything. The message
 * names where (line, column) and, for a value of the wrong kind, which field. It reads after "is":
 * "config.json … is not valid JSON at line 1, column 2".
 */
public final class JsonErrors {
    private JsonErrors() {}

    public static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where =
                at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field =
                    m.getPath().stream()
                            .map(
                                    r ->
                                            r.getFieldName() != null
                                                    ? r.getFieldName()
                                                    : "[" + r.getIndex() + "]")
                            .collect(Collectors.joining("."));
            return "not what nana expects: field \""
                    + field
                    + "\" is missing or of the wrong kind"
                    + where;
        }
        return "not valid JSON" + where;
    }
}
