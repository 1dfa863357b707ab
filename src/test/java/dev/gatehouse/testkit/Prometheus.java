package dev.gatehouse.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed scrape of the Prometheus text format: samples with their labels, for assertions. */
public final class Prometheus {
    public record Sample(String name, Map<String, String> labels, double value) {
        public boolean has(Map<String, String> subset) {
            return subset.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final List<Sample> samples;
    private final String text;

    private Prometheus(String text, List<Sample> samples) {
        this.text = text;
        this.samples = samples;
    }

    /** Parses the scrape; a line that is neither a comment nor a sample fails the test. */
    public static Prometheus parse(String text) {
        var samples = new ArrayList<Sample>();
        for (String line : text.split("\n", -1)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = LINE.matcher(line);
            if (!m.matches()) throw new AssertionError("not a Prometheus sample line: " + line);
            var labels = new LinkedHashMap<String, String>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) labels.put(l.group(1), l.group(2));
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return new Prometheus(text, samples);
    }

    public List<Sample> samples() {
        return samples;
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    public List<Sample> samples(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.has(labels))
                .toList();
    }

    /** The sum of the samples of {@code name} carrying {@code labels}; empty when there is none. */
    public OptionalDouble value(String name, Map<String, String> labels) {
        var found = samples(name, labels);
        return found.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(found.stream().mapToDouble(Sample::value).sum());
    }

    public boolean hasPrefix(String prefix) {
        return samples.stream().anyMatch(s -> s.name().startsWith(prefix));
    }

    public String text() {
        return text;
    }
}
