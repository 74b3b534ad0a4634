// The component library the console is written with: Preact and htm (tagged templates, no build step).
import { Component, h, render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);
export { Component, render, useCallback, useEffect, useMemo, useRef, useState };
