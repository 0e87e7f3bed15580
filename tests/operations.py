"""GraphQL documents more than one test module sends as they are.

A module whose assertions need other fields writes its own document beside
its tests; these are the ones several modules share word for word.
"""

from __future__ import annotations

ORDER_NUMBERS = """{ salesOrders(first: 100) { edges { node { number } } } }"""
PICK_STATUS = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
  order { number status } userErrors { code field } } }"""
CONFIRM_STATUS = """mutation($i: ConfirmBackorderInput!) { confirmBackorder(input: $i) {
  order { number status } userErrors { code field } } }"""
PLACE_NUMBER = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number } userErrors { code field message } } }"""
PLACE_NUMBER_CODES = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number } userErrors { code } } }"""
UPDATE_SETTING = """mutation($i: UpdateSettingInput!) { updateSetting(input: $i) {
    setting { key value } userErrors { code message field } } }"""
