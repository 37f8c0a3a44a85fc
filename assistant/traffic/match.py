"""Export URLs and paths -> workspace pages: :func:`assistant.trafficdata.matcher`, below the store that matches
stored rows with it."""

from assistant.trafficdata import matcher as matcher
