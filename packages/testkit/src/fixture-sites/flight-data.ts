export interface Flight {
  airline: string;
  flightNumber: string;
  from: string;
  to: string;
  /** Local time "HH:MM". */
  depart: string;
  arrive: string;
  stops: number;
  priceGbp: number;
}

function flight(airline: string, flightNumber: string, from: string, to: string, depart: string, arrive: string, stops: number, priceGbp: number): Flight {
  return { airline, flightNumber, from, to, depart, arrive, stops, priceGbp };
}

/** The one London -> Paris flight clearly cheaper than the rest (it does not depart first, so reading row one is not enough). */
export const cheapestLondonParisFlight: Flight = flight('easyJet', 'U2 8421', 'London', 'Paris', '14:25', '16:40', 0, 49);

export const flights: readonly Flight[] = [
  flight('British Airways', 'BA 304', 'London', 'Paris', '07:15', '09:30', 0, 118),
  flight('Air France', 'AF 1081', 'London', 'Paris', '08:40', '10:55', 0, 96),
  flight('KLM', 'KL 1002', 'London', 'Paris', '09:55', '14:40', 1, 88),
  flight('Vueling', 'VY 8011', 'London', 'Paris', '11:30', '15:45', 1, 71),
  flight('Eurowings', 'EW 2463', 'London', 'Paris', '13:10', '18:05', 1, 67),
  cheapestLondonParisFlight,
  flight('British Airways', 'BA 318', 'London', 'Paris', '17:45', '20:00', 0, 142),
  flight('Air France', 'AF 1681', 'London', 'Paris', '19:20', '21:35', 0, 104),
  flight('Lufthansa', 'LH 921', 'London', 'Berlin', '06:50', '09:45', 0, 121),
  flight('easyJet', 'U2 8451', 'London', 'Berlin', '12:05', '15:00', 0, 58),
  flight('Ryanair', 'FR 146', 'London', 'Berlin', '18:30', '21:20', 0, 44),
  flight('ITA Airways', 'AZ 319', 'Paris', 'Rome', '10:15', '12:20', 0, 89),
  flight('Air France', 'AF 1404', 'Paris', 'Rome', '16:40', '18:45', 0, 131),
  flight('KLM', 'KL 1008', 'London', 'Amsterdam', '08:00', '10:15', 0, 77),
  flight('British Airways', 'BA 428', 'London', 'Amsterdam', '15:35', '17:50', 0, 93),
  flight('Delta', 'DL 1', 'New York', 'London', '22:00', '10:05', 0, 389),
];

export const flightCities: readonly string[] = ['London', 'Paris', 'Berlin', 'Rome', 'Amsterdam', 'New York'];

export function findFlights(from: string, to: string): Flight[] {
  const sameCity = (left: string, right: string): boolean => left.trim().toLowerCase() === right.trim().toLowerCase();
  return flights.filter((candidate) => sameCity(candidate.from, from) && sameCity(candidate.to, to));
}

export function formatStops(stops: number): string {
  return stops === 0 ? 'Non-stop' : `${stops} stop${stops === 1 ? '' : 's'}`;
}
