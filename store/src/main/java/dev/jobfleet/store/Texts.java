package dev.jobfleet.store;

/**
 * Text that PostgreSQL will store. {@code text} and {@code jsonb} refuse the NUL character (SQLState
 * 22P05 / 22021), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all. Messages the
 * system writes itself (a handler's exception, a decoder's complaint about a poison record) may
 * quote either, so they pass through here: a write that fails on its own error message would
 * otherwise never succeed.
 */
public final class Texts {
    private Texts() {}

    /** {@code s} with NUL removed and lone surrogates replaced by U+FFFD; null stays null. */
    public static String storable(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair =
                    Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            boolean bad = c == '\0' || (Character.isSurrogate(c) && !pair);
            if (bad && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                if (c == '\0') {
                    continue;
                }
                if (pair) {
                    out.append(c).append(s.charAt(++i));
                } else {
                    out.append(bad ? '\uFFFD' : c);
                }
            } else if (pair) {
                i++;
            }
        }
        return out == null ? s : out.toString();
    }
}
