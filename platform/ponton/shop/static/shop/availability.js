/* live availability: filled by the live-availability work */
