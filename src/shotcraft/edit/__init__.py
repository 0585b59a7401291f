"""The edit: timeline from the picks, OpenTimelineIO interchange, conform, rendering the cut."""
