package org.servicemanager.core.internal.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Labels;

/** The label operations a MODIFIED notification lists, derived from the labels before and after. */
@DisplayName("label_changes")
class LabelChangesTest {

    @Test
    @DisplayName("are empty when the labels did not change")
    void unchanged() {
        Labels labels = Labels.of("org", "o1", "o2");

        assertThat(Changes.labelChanges(labels, labels)).isEmpty();
    }

    @Test
    @DisplayName("add a new key with its values and remove a vanished key with the values it had")
    void keys() {
        Labels before = Labels.of("space", "s1", "s2");
        Labels after = Labels.of("region", "eu");

        assertThat(Changes.labelChanges(before, after).toString()).isEqualTo(
                "[{\"op\":\"add\",\"key\":\"region\",\"values\":[\"eu\"]},"
                        + "{\"op\":\"remove\",\"key\":\"space\",\"values\":[\"s1\",\"s2\"]}]");
    }

    @Test
    @DisplayName("add and remove single values of a key that stays")
    void values() {
        Labels before = Labels.of(Map.of("org", List.of("o1", "o2")));
        Labels after = Labels.of(Map.of("org", List.of("o2", "o3", "o4")));

        assertThat(Changes.labelChanges(before, after).toString()).isEqualTo(
                "[{\"op\":\"add_values\",\"key\":\"org\",\"values\":[\"o3\",\"o4\"]},"
                        + "{\"op\":\"remove_values\",\"key\":\"org\",\"values\":[\"o1\"]}]");
    }
}
