package dev.nana.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A part of the runtime spec that keeps what nana does not model: a user's config.json may carry
 * any field the runtime knows (hooks, rlimits, AppArmor, a newer spec's fields…), and nana's copy
 * of it must carry the same to the runtime. Absent fields stay absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class Extensible {
    private final Map<String, JsonNode> other = new LinkedHashMap<>();

    @JsonAnySetter
    void other(String name, JsonNode value) {
        other.put(name, value);
    }

    /** The fields nana does not model, as they were read, in their order. */
    @JsonAnyGetter
    public Map<String, JsonNode> other() {
        return other;
    }
}
