package dev.nana.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with nana's containers: each {@link NanaContainer} field is started before the
 * tests (a static one once for the class, an instance one for each test) and removed after them.
 * Containers run in-process (no daemon at all) unless a nana daemon answers; see {@link
 * NanaExtension} for how it chooses.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NanaExtension.class)
public @interface Nana {}
