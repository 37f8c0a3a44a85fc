"""The traffic records under their engine's name: they live in :mod:`assistant.trafficdata`, below the store that
keeps them (rules/ and suggest/ import them from here)."""

from assistant.trafficdata import DATASETS as DATASETS
from assistant.trafficdata import STRIKING as STRIKING
from assistant.trafficdata import STRIKING_MIN_IMPRESSIONS as STRIKING_MIN_IMPRESSIONS
from assistant.trafficdata import Export as Export
from assistant.trafficdata import PageStats as PageStats
from assistant.trafficdata import QueryStats as QueryStats
from assistant.trafficdata import Row as Row
from assistant.trafficdata import Traffic as Traffic
from assistant.trafficdata import merged as merged
from assistant.trafficdata import number as number
from assistant.trafficdata import striking_distance as striking_distance
