"""The browser pages the hub serves (static/ holds their files) and their live side over the websocket."""
