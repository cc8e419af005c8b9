"""The synthetic practice: the seeded generator of the sample exports (``sample_practice``), the
demo team's wellbeing pulse (``sample_pulse``), and the NOT_ON_TRACK check run on a generated
practice (``etr_check``). No real client data is ever used."""
