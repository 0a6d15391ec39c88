package dev.shiftlog.schemas.spec;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one grammar of durations in a spec ({@code 30s}, {@code 10m}, {@code 2h}, {@code 1h30m}, {@code 1.5s}): the
 * parser reads it and the JSON Schema publishes the same {@link #PATTERN}, so an editor and {@code plan} agree.
 */
public final class SpecDuration {
    /** Hours, minutes and seconds in that order, each optional; only seconds may have a fraction. */
    public static final String PATTERN = "^([0-9]+[hH])?([0-9]+[mM])?([0-9]+(\\.[0-9]+)?[sS])?$";
    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private SpecDuration() {
    }

    /** The duration, or null when the text does not follow the grammar (or is empty). */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty() || !COMPILED.matcher(text).matches()) {
            return null;
        }
        try {
            return Duration.parse("PT" + text.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The spec form of a whole-second duration: {@code 10m}, {@code 1h30m}, {@code 45s}. */
    public static String format(Duration duration) {
        StringBuilder out = new StringBuilder();
        if (duration.toHoursPart() > 0 || duration.toDays() > 0) {
            out.append(duration.toHours()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            out.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toSecondsPart() > 0 || out.isEmpty()) {
            out.append(duration.toSecondsPart()).append('s');
        }
        return out.toString();
    }
}
