package dev.nana;

/**
 * A started exec process.
 *
 * @param id the container
 * @param execId the exec's id
 * @param pid its pid
 */
public record ExecInfo(String id, String execId, int pid) {}
